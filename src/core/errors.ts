/** A plugin that cannot be loaded; the message names it. */
export class PluginError extends Error {
  override readonly name = "PluginError";

  constructor(
    readonly plugin: string,
    problem: string,
  ) {
    super(`plugin "${plugin}": ${problem}`);
  }
}

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

/**
 * A service the server shares with other nodes (the cluster's store) cannot
 * be reached. The client is answered `ERR cluster-unavailable`; what this
 * node could do alone (deliver to its own users) has been done.
 */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
}

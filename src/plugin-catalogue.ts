import { PluginError } from "./core/errors";
import type { PluginCandidate } from "./core/plugin-host";
import { builtinPlugins } from "./plugins";

/** A plugin the configuration asks for, with its options. */
export interface PluginSpec {
  readonly name: string;
  readonly options?: Record<string, unknown>;
  /** The plugin itself, when the caller has it already (embedding, tests); `name` then only labels errors. */
  readonly plugin?: unknown;
}

/** Finds the plugin behind each configured name; fails on the first unknown one. */
export function resolvePlugins(specs: readonly PluginSpec[]): PluginCandidate[] {
  return specs.map(({ name, options = {}, plugin: given }) => {
    if (given !== undefined) return { source: name, plugin: given, options };
    const plugin = builtinPlugins.get(name);
    if (plugin === undefined) {
      throw new PluginError(name, `no such plugin (built-in plugins: ${[...builtinPlugins.keys()].join(", ")})`);
    }
    return { source: name, plugin, options };
  });
}

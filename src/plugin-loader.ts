import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { PluginError } from "./core/errors";
import type { PluginCandidate } from "./core/plugin-host";
import { builtinPlugins } from "./plugins";

/** A plugin the configuration asks for, with its options. */
export interface PluginSpec {
  /** A built-in plugin's name, a path (`./x.js`, `/abs/x.mjs`), or an npm package name. */
  readonly name: string;
  /** Its options; else those the server config gives for its name. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Where a path or a package name is resolved from; the working directory by default. */
  readonly from?: string;
  /** The plugin itself, when the caller has it already (embedding, tests); `name` then only labels errors. */
  readonly plugin?: unknown;
}

export type PluginSource = "built-in" | "path" | "package";

/** How a configured name is found: a path if it looks like one, else a built-in, else a package. */
export function sourceOf(name: string): PluginSource {
  if (name.startsWith("./") || name.startsWith("../") || isAbsolute(name)) return "path";
  return builtinPlugins.has(name) ? "built-in" : "package";
}

/** Finds every plugin asked for, in order; fails on the first that cannot be loaded. */
export async function loadPlugins(specs: readonly PluginSpec[]): Promise<PluginCandidate[]> {
  const candidates: PluginCandidate[] = [];
  for (const spec of specs) candidates.push(await load(spec));
  return candidates;
}

async function load({ name, options, from = process.cwd(), plugin }: PluginSpec): Promise<PluginCandidate> {
  if (plugin !== undefined) return { source: name, plugin, options };
  switch (sourceOf(name)) {
    case "built-in":
      return { source: name, plugin: builtinPlugins.get(name), options };
    case "path": {
      const file = resolve(from, name);
      if (!existsSync(file)) throw new PluginError(name, `no such file: ${file}`);
      return { source: name, plugin: pluginExport(await importModule(name, file)), options };
    }
    case "package": {
      let entry: string;
      try {
        entry = createRequire(join(from, "package.json")).resolve(name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ERR_PACKAGE_PATH_NOT_EXPORTED") {
          throw new PluginError(name, 'the package exports no entry for require(): give its "exports" a "default" (or "require") condition');
        }
        const builtins = [...builtinPlugins.keys()].join(", ");
        throw new PluginError(name, `no such plugin: not a built-in one (${builtins}), nor a package installed in ${from}`);
      }
      return { source: name, plugin: pluginExport(await importModule(name, entry)), options };
    }
  }
}

async function importModule(name: string, file: string): Promise<unknown> {
  try {
    // import() takes ES modules and CommonJS alike; a file URL takes any path
    // (a "#" or "%" in it would be read as URL syntax otherwise).
    return await import(pathToFileURL(file).href);
  } catch (error) {
    throw new PluginError(name, `failed to load: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function looksLikePlugin(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as { register?: unknown }).register === "function";
}

/**
 * The plugin a module exports: the module itself (CommonJS
 * `module.exports = plugin`), its default export, or an export named
 * `plugin`. Anything else is handed on for validation to name the problem.
 */
function pluginExport(module: unknown): unknown {
  const exports = module as { default?: { default?: unknown; plugin?: unknown }; plugin?: unknown } | null;
  const candidates = [exports, exports?.default, exports?.default?.default, exports?.plugin, exports?.default?.plugin];
  return candidates.find(looksLikePlugin) ?? exports?.default ?? module;
}

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { PluginSpec } from "./plugin-loader";

/** A configuration file that cannot be used; the message names the file. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The contents of plugins.config.json. */
export interface PluginsConfig {
  /** Enabled plugins, in load order. */
  readonly plugins: readonly string[];
  /** Options by plugin name; plugins without an entry get `{}`. */
  readonly options: Readonly<Record<string, Record<string, unknown>>>;
  /** Where the file is: paths and packages it names are found from here. */
  readonly directory: string;
}

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parsePluginsConfig(text: string, path: string): PluginsConfig {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(data)) throw new ConfigError(`${path}: must be a JSON object with a "plugins" list`);
  const { plugins, options = {} } = data;
  if (!Array.isArray(plugins) || !plugins.every((name) => typeof name === "string" && name.trim() !== "")) {
    throw new ConfigError(`${path}: "plugins" must be a list of plugin names`);
  }
  if (!isRecord(options) || !Object.values(options).every(isRecord)) {
    throw new ConfigError(`${path}: "options" must map plugin names to objects of options`);
  }
  return { plugins, options: options as PluginsConfig["options"], directory: dirname(resolve(path)) };
}

export function loadPluginsConfig(path: string): PluginsConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ConfigError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : message}`);
  }
  return parsePluginsConfig(text, path);
}

/**
 * The plugins to load: the configured list, each found from the file's
 * directory, or `enabled` (from the command line) in its place, found from
 * the working directory. Options are matched by the server (to the plugin's
 * own name, or to how it is listed).
 */
export function pluginSpecs(config: PluginsConfig, enabled?: readonly string[]): PluginSpec[] {
  const from = enabled === undefined ? config.directory : process.cwd();
  return (enabled ?? config.plugins).map((name) => ({ name, from }));
}

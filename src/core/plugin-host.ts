import { inject, injectable } from "tsyringe";
import { CommandDispatcher } from "./commands";
import { PluginError } from "./errors";
import { PluginHooks } from "./hooks";
import { parseOptions } from "./options";
import type { ChatPlugin, PluginApi } from "./plugin-api";
import type { LoggerPort } from "./ports/logger.port";
import { Room } from "./room";
import { TOKENS } from "./tokens";

/** A plugin as found by the loader, before it is trusted. */
export interface PluginCandidate {
  /** How the configuration named it, for error messages. */
  readonly source: string;
  /** Whatever the module exported; validated here. */
  readonly plugin: unknown;
  /** The options given with it, unchecked; when absent, looked up by name. */
  readonly options?: Readonly<Record<string, unknown>> | undefined;
}

type OptionsByName = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/**
 * Validates plugins and registers them, one at a time in the given order.
 * Dependencies and the verbs extended are checked once all are registered,
 * so the order of the configuration does not matter. Any problem throws a
 * PluginError naming the plugin: a server never runs with half its
 * configuration.
 */
@injectable()
export class PluginHost {
  private readonly loaded: string[] = [];

  constructor(
    private readonly commands: CommandDispatcher,
    private readonly hooks: PluginHooks,
    private readonly room: Room,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
  ) {}

  /** Names of the registered plugins, in registration order. */
  get names(): readonly string[] {
    return this.loaded;
  }

  /**
   * `optionsByName` gives options to plugins loaded without any, by the
   * plugin's own name or by how the configuration lists it.
   */
  loadAll(candidates: readonly PluginCandidate[], optionsByName: OptionsByName = {}): void {
    const used = new Set<string>();
    const plugins = candidates.map((candidate) => {
      const plugin = validatePlugin(candidate);
      const key = [candidate.source, plugin.name].find((name) => Object.hasOwn(optionsByName, name));
      if (key !== undefined) used.add(key);
      this.register(plugin, candidate.options ?? (key === undefined ? {} : optionsByName[key]!));
      return plugin;
    });
    for (const name of Object.keys(optionsByName)) {
      if (!used.has(name)) this.logger.warn({ plugin: name }, "options given for a plugin that is not loaded");
    }
    for (const plugin of plugins) {
      const missing = (plugin.dependencies ?? []).filter((name) => !this.loaded.includes(name));
      if (missing.length > 0) {
        throw new PluginError(plugin.name, `depends on ${missing.map((name) => `"${name}"`).join(", ")}, which is not loaded`);
      }
    }
    this.commands.checkExtensions();
  }

  private register(plugin: ChatPlugin, rawOptions: Readonly<Record<string, unknown>>): void {
    const name = plugin.name;
    if (this.loaded.includes(name)) throw new PluginError(name, "is loaded twice");
    let options;
    try {
      options = parseOptions(plugin.options, rawOptions);
    } catch (error) {
      throw new PluginError(name, (error as Error).message);
    }
    const { commands, hooks } = this;
    const api: PluginApi<typeof options> = {
      commands: {
        add: (command) => commands.add(name, command),
        extend: (verb, extension) => commands.extend(name, verb, extension),
      },
      hooks: {
        onLogin: (hook) => hooks.addLogin(name, hook),
        onDisconnect: (hook) => hooks.addDisconnect(name, hook),
        beforeMessage: (hook) => hooks.addBeforeMessage(name, hook),
        onMessage: (hook) => hooks.addMessage(name, hook),
      },
      room: this.room,
      logger: this.logger.child({ plugin: name }),
      options,
    };
    try {
      plugin.register(api);
    } catch (error) {
      if (error instanceof PluginError) throw error;
      throw new PluginError(name, `register failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.loaded.push(name);
  }
}

function validatePlugin({ source, plugin }: PluginCandidate): ChatPlugin {
  if (typeof plugin !== "object" || plugin === null) {
    throw new PluginError(source, "does not export a plugin object");
  }
  const candidate = plugin as Partial<ChatPlugin>;
  if (typeof candidate.name !== "string" || candidate.name.trim() === "") {
    throw new PluginError(source, "has no name");
  }
  if (typeof candidate.register !== "function") {
    throw new PluginError(candidate.name, "has no register function");
  }
  const dependencies = candidate.dependencies;
  if (dependencies !== undefined && (!Array.isArray(dependencies) || !dependencies.every((d) => typeof d === "string"))) {
    throw new PluginError(candidate.name, "dependencies must be a list of plugin names");
  }
  const options = candidate.options;
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw new PluginError(candidate.name, "options must be an object describing each option");
  }
  return candidate as ChatPlugin;
}

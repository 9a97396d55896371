import { inject, injectable } from "tsyringe";
import { CommandDispatcher } from "./commands";
import { PluginError } from "./errors";
import { PluginHooks } from "./hooks";
import { parseOptions, schemaProblem } from "./options";
import type { ChatPlugin, PluginApi } from "./plugin-api";
import { PluginEvents } from "./plugin-events";
import { PluginLifecycle } from "./plugin-lifecycle";
import type { ListsPort } from "./ports/lists.port";
import type { LoggerPort } from "./ports/logger.port";
import { Room } from "./room";
import { SignIns } from "./sign-ins";
import { isThenable } from "./thenable";
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

interface LoadedPlugin {
  readonly plugin: ChatPlugin;
  readonly source: string;
  /** Options fixed by the spec itself, not by the configuration's map. */
  readonly fixedOptions: boolean;
  options: Readonly<Record<string, unknown>>;
  readonly listeners: ((options: never) => void)[];
}

/** What a reload did: changes applied, changes that need a restart, and problems. */
export interface ReloadReport {
  readonly applied: string[];
  readonly needsRestart: string[];
  readonly errors: string[];
}

/**
 * Validates plugins and registers them, one at a time in the given order.
 * Dependencies and the verbs extended are checked once all are registered,
 * so the order of the configuration does not matter. Any problem throws a
 * PluginError naming the plugin: a server never runs with half its
 * configuration.
 */
@injectable()
export class PluginHost {
  private readonly loaded: LoadedPlugin[] = [];

  constructor(
    private readonly commands: CommandDispatcher,
    private readonly hooks: PluginHooks,
    private readonly room: Room,
    private readonly signIns: SignIns,
    private readonly lifecycle: PluginLifecycle,
    private readonly events: PluginEvents,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
    @inject(TOKENS.Lists) private readonly lists: ListsPort,
  ) {}

  /** Names of the registered plugins, in registration order. */
  get names(): readonly string[] {
    return this.loaded.map((entry) => entry.plugin.name);
  }

  /**
   * `optionsByName` gives options to plugins loaded without any, by the
   * plugin's own name or by how the configuration lists it.
   */
  loadAll(candidates: readonly PluginCandidate[], optionsByName: OptionsByName = {}): void {
    const used = new Set<string>();
    const plugins = candidates.map((candidate) => {
      const plugin = validatePlugin(candidate);
      const key = optionsKey(optionsByName, candidate.source, plugin.name);
      for (const name of [candidate.source, plugin.name]) used.add(name);
      const raw = candidate.options ?? (key === undefined ? {} : optionsByName[key]!);
      this.register(plugin, candidate.source, raw, candidate.options !== undefined);
      return plugin;
    });
    for (const name of Object.keys(optionsByName)) {
      if (!used.has(name)) this.logger.warn({ plugin: name }, "options given for a plugin that is not loaded");
    }
    const names = this.names;
    for (const plugin of plugins) {
      const missing = (plugin.dependencies ?? []).filter((name) => !names.includes(name));
      if (missing.length > 0) {
        throw new PluginError(plugin.name, `depends on ${missing.map((name) => `"${name}"`).join(", ")}, which is not loaded`);
      }
    }
    this.commands.checkExtensions();
  }

  /**
   * Takes a new configuration while running: options a plugin listens for
   * are applied; any other change is reported as needing a restart.
   */
  reload(sources: readonly string[], optionsByName: OptionsByName): ReloadReport {
    const report: ReloadReport = { applied: [], needsRestart: [], errors: [] };
    const running = this.loaded.map((entry) => entry.source);
    if (sources.join("\n") !== running.join("\n")) {
      report.needsRestart.push(`the plugin list changed: ${running.join(", ")} -> ${sources.join(", ")}`);
    }
    for (const entry of this.loaded) {
      const name = entry.plugin.name;
      if (entry.fixedOptions) continue;
      const key = optionsKey(optionsByName, entry.source, name);
      let options: Readonly<Record<string, unknown>>;
      try {
        options = parseOptions(entry.plugin.options, key === undefined ? {} : optionsByName[key]!);
      } catch (error) {
        report.errors.push(`plugin "${name}": ${(error as Error).message}; its options stay as they were`);
        continue;
      }
      if (JSON.stringify(options) === JSON.stringify(entry.options)) continue;
      if (entry.listeners.length === 0) {
        report.needsRestart.push(`plugin "${name}": new options, which it takes at start only`);
        continue;
      }
      entry.options = options;
      try {
        for (const listener of entry.listeners) listener(options as never);
        report.applied.push(`plugin "${name}": options ${JSON.stringify(options)}`);
      } catch (error) {
        report.errors.push(`plugin "${name}": failed to take its new options: ${(error as Error).message}`);
      }
    }
    return report;
  }

  private register(plugin: ChatPlugin, source: string, rawOptions: Readonly<Record<string, unknown>>, fixedOptions: boolean): void {
    const name = plugin.name;
    if (this.loaded.some((entry) => entry.plugin.name === name)) throw new PluginError(name, "is loaded twice");
    let options;
    try {
      options = parseOptions(plugin.options, rawOptions);
    } catch (error) {
      throw new PluginError(name, (error as Error).message);
    }
    const entry: LoadedPlugin = { plugin, source, fixedOptions, options, listeners: [] };
    const { commands, hooks, lifecycle } = this;
    const api: PluginApi<typeof options> = {
      commands: {
        add: (command) => commands.add(name, command),
        extend: (verb, extension, params) => commands.extend(name, verb, extension, params),
      },
      hooks: {
        onLogin: (hook) => hooks.addLogin(name, hook),
        onRename: (hook) => hooks.addRename(name, hook),
        onDisconnect: (hook) => hooks.addDisconnect(name, hook),
        beforeMessage: (hook) => hooks.addBeforeMessage(name, hook),
        onMessage: (hook) => hooks.addMessage(name, hook),
      },
      room: this.room,
      accounts: this.signIns,
      events: {
        define: (event, renderers) => this.events.define(name, event, renderers),
        emit: (event, to, data, except) => {
          if (!this.events.has(name, event)) return Promise.reject(new TypeError(`plugin "${name}" defined no event "${event}"`));
          return this.room.emit(name, event, to, data, except);
        },
        reply: (event, data) => {
          if (!this.events.has(name, event)) throw new TypeError(`plugin "${name}" defined no event "${event}"`);
          return { kind: "plugin", plugin: name, name: event, data };
        },
      },
      logger: this.logger.child({ plugin: name }),
      options,
      onOptionsChange: (listener) => void entry.listeners.push(listener as (options: never) => void),
      timers: lifecycle.timersFor(name),
      lists: {
        push: (list, item, keep) => this.lists.push(`${name}:${list}`, item, keep),
        newest: (list, count) => this.lists.newest(`${name}:${list}`, count),
      },
      onClose: (hook) => lifecycle.addClose(name, hook),
    };
    try {
      const result: unknown = plugin.register(api);
      if (isThenable(result)) {
        result.then(undefined, () => undefined); // refused below; its failure must not take the process down
        throw new PluginError(name, "register must finish before it returns; it returned a promise");
      }
    } catch (error) {
      if (error instanceof PluginError) throw error;
      throw new PluginError(name, `register failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.loaded.push(entry);
  }
}

/** Options are given by how the configuration lists a plugin, or by its name. */
function optionsKey(optionsByName: OptionsByName, source: string, name: string): string | undefined {
  return [source, name].find((key) => Object.hasOwn(optionsByName, key));
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
  if (candidate.options !== undefined) {
    const problem = schemaProblem(candidate.options);
    if (problem !== null) throw new PluginError(candidate.name, problem);
  }
  return candidate as ChatPlugin;
}

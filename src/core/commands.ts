import { inject, injectable } from "tsyringe";
import { PluginError, RoomLimitError, StoreUnavailableError, UnavailableError } from "./errors";
import type { Command, CommandContext, CommandExtension, SessionHandle } from "./plugin-api";
import { error, type CommandInput, type CommandSyntax } from "./language";
import type { ClockPort } from "./ports/clock.port";
import type { LoggerPort } from "./ports/logger.port";
import type { MetricsPort } from "./ports/metrics.port";
import { asciiUpperCase } from "./text";
import { isThenable } from "./thenable";
import { TOKENS } from "./tokens";

interface RegisteredCommand {
  readonly plugin: string;
  readonly verb: string;
  /** Its forms: those of its extensions, then its own (see CommandSyntax). */
  readonly forms: (readonly string[])[];
  readonly requiresLogin: boolean;
  /** Lines of flood budget beyond the one every line takes. */
  readonly extraCost: number;
  readonly command: Command;
}

/** A connection that pays for its commands out of a flood budget. */
export interface Budgeted {
  /**
   * Takes `lines` more from the budget (the line itself is already paid
   * for); false when the command must wait for a later turn of the event
   * loop (this turn's share of costly commands is spent): it is not run.
   */
  charge(lines: number): boolean;
}

/** What `dispatch` returns for a costly command that waits for a later turn (see Budgeted): the line is to be given again. */
export const LATER = Symbol("later");

interface RegisteredExtension {
  readonly plugin: string;
  readonly extension: CommandExtension;
}

const PARAM = /^[a-z][a-z0-9-]{0,31}$/;

/** A form of a command: parameter names, checked. */
function checkParams(plugin: string, verb: string, params: unknown): readonly string[] {
  if (!Array.isArray(params) || params.length > 16 || !params.every((name) => typeof name === "string" && PARAM.test(name))) {
    throw new PluginError(plugin, `${verb}: params must be a list of at most 16 names (lower-case letters, digits, "-")`);
  }
  return Object.freeze([...params]);
}

/** A failure inside a plugin's code, with the plugin it came from. */
class PluginFailure {
  constructor(
    readonly plugin: string,
    readonly error: unknown,
  ) {}
}

const VERB = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const DONE = Promise.resolve();
const LEGACY_PARAMS: readonly string[] = Object.freeze(["args"]);
const MUST_LOGIN_FIRST = Object.freeze(error("must-login-first"));
const INTERNAL_ERROR = Object.freeze(error("internal-error"));
const CLUSTER_UNAVAILABLE = Object.freeze(error("cluster-unavailable"));
const ACCOUNTS_UNAVAILABLE = Object.freeze(error("accounts-unavailable"));

/** What a command's handler is given. */
class Context implements CommandContext {
  constructor(
    readonly session: SessionHandle,
    readonly params: readonly string[],
  ) {}

  /** The parameters as one text (for handlers written before commands were typed: what followed the verb). */
  get args(): string {
    return this.params.join(" ");
  }
}


/** Runs a plugin's function; a failure, thrown or rejected, comes back tagged with the plugin. */
function attempt(plugin: string, run: () => unknown): Promise<void> {
  const tag = (error: unknown): PluginFailure => (error instanceof PluginFailure ? error : new PluginFailure(plugin, error));
  try {
    const result = run();
    if (!isThenable(result)) return DONE;
    return Promise.resolve(result).then(
      () => undefined,
      (error: unknown) => Promise.reject(tag(error)),
    );
  } catch (error) {
    return Promise.reject(tag(error));
  }
}

/**
 * The verbs plugins registered (and the extensions of them), and the
 * dispatch of a command to them. A failing command is answered
 * `internal-error` and logged with its plugin's name; the connection and
 * the server go on.
 */
@injectable()
export class CommandDispatcher implements CommandSyntax {
  private readonly byVerb = new Map<string, RegisteredCommand>();
  private readonly extensions = new Map<string, RegisteredExtension[]>();
  private readonly extensionForms = new Map<string, (readonly string[])[]>();

  constructor(
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
    @inject(TOKENS.Clock) private readonly clock: ClockPort,
    @inject(TOKENS.Metrics) private readonly metrics: MetricsPort,
  ) {}

  add(plugin: string, command: Command): void {
    if (typeof command !== "object" || command === null) {
      throw new PluginError(plugin, "a command must be an object with a verb and a handle function");
    }
    const verb = this.checkVerb(plugin, command.verb);
    if (typeof command.handle !== "function") {
      throw new PluginError(plugin, `command ${verb} has no handle function`);
    }
    const existing = this.byVerb.get(verb);
    if (existing !== undefined) {
      throw new PluginError(plugin, `verb ${verb} is already registered by plugin "${existing.plugin}"`);
    }
    const cost = command.cost ?? 1;
    if (!Number.isInteger(cost) || cost < 1 || cost > 1000) {
      throw new PluginError(plugin, `command ${verb}: cost must be a whole number from 1 to 1000`);
    }
    // A command that declares no params is one of the API before typed commands: it is given the rest of the line as one.
    const params = command.params === undefined ? LEGACY_PARAMS : checkParams(plugin, verb, command.params);
    this.byVerb.set(verb, { plugin, verb, forms: [params], requiresLogin: command.requiresLogin !== false, extraCost: cost - 1, command });
  }

  /**
   * Extensions run in the order they were added, before the verb's own
   * handler. `params`: a form of the verb this extension takes besides the
   * command's own (see CommandSyntax).
   */
  extend(plugin: string, verb: string, extension: CommandExtension, params?: readonly string[]): void {
    const key = this.checkVerb(plugin, verb);
    if (typeof extension !== "function") throw new PluginError(plugin, `the extension of ${key} is not a function`);
    const list = this.extensions.get(key) ?? [];
    list.push({ plugin, extension });
    this.extensions.set(key, list);
    if (params !== undefined) (this.extensionForms.get(key) ?? this.extensionForms.set(key, []).get(key)!).push(checkParams(plugin, key, params));
  }

  /** Throws for an extension of a verb that no plugin registered; run once all plugins are in. */
  checkExtensions(): void {
    for (const [verb, list] of this.extensions) {
      const entry = this.byVerb.get(verb);
      if (entry === undefined) {
        throw new PluginError(list[0]!.plugin, `extends verb ${verb}, which no loaded plugin provides`);
      }
      entry.forms.unshift(...(this.extensionForms.get(verb) ?? []));
    }
  }

  forms(verb: string): readonly (readonly string[])[] | undefined {
    return this.entry(verb)?.forms;
  }

  /** Clients mostly send verbs upper-case already; that is tried before allocating. */
  private entry(verb: string): RegisteredCommand | undefined {
    return this.byVerb.get(verb) ?? this.byVerb.get(asciiUpperCase(verb));
  }

  /** Runs the command; returns a promise when the command is still running. */
  dispatch(session: SessionHandle & Budgeted, { verb, params }: CommandInput): Promise<void> | undefined | typeof LATER {
    if (verb === "") return undefined;
    const entry = this.entry(verb);
    if (entry === undefined) {
      session.reply(error("unknown-command", asciiUpperCase(verb)));
      return undefined;
    }
    if (entry.requiresLogin && session.username === null) {
      session.reply(MUST_LOGIN_FIRST);
      return undefined;
    }
    if (entry.extraCost > 0 && !session.charge(entry.extraCost)) return LATER;
    const context = new Context(session, params);
    const started = this.clock.now();
    const running = this.run(entry, context);
    if (running === undefined) {
      this.timed(entry.verb, started);
      return undefined;
    }
    return running.then(() => this.timed(entry.verb, started));
  }

  private run(entry: RegisteredCommand, context: CommandContext): Promise<void> | undefined {
    const extensions = this.extensions.get(entry.verb);
    if (extensions === undefined) return this.runCommand(entry, context);
    const step = (index: number): Promise<void> => {
      if (index === extensions.length) return attempt(entry.plugin, () => entry.command.handle(context));
      const { plugin, extension } = extensions[index]!;
      // The rest of the chain, if the extension passes the line on: run at
      // most once, and waited for even when the extension does not wait (its
      // failure is marked handled at once, and reported when waited for).
      let rest: Promise<void> | null = null;
      let calledTwice = false;
      const next = (): Promise<void> => {
        if (rest !== null) {
          calledTwice = true;
          return rest;
        }
        rest = step(index + 1);
        rest.catch(() => undefined);
        return rest;
      };
      return attempt(plugin, () => extension(context, next)).then(() => {
        if (calledTwice) throw new PluginFailure(plugin, new Error("next() called more than once"));
        return rest ?? undefined;
      });
    };
    return step(0).then(undefined, (failure: PluginFailure) => this.fail(failure, entry.verb, context.session));
  }

  private timed(verb: string, started: number): void {
    this.metrics.commandHandled(verb, (this.clock.now() - started) / 1000);
  }

  /** A verb nobody extends: no chain, and no promise unless the command makes one (PING, QUIT). */
  private runCommand(entry: RegisteredCommand, context: CommandContext): Promise<void> | undefined {
    try {
      const result = entry.command.handle(context);
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          () => undefined,
          (error: unknown) => this.fail(new PluginFailure(entry.plugin, error), entry.verb, context.session),
        );
      }
    } catch (error) {
      this.fail(new PluginFailure(entry.plugin, error), entry.verb, context.session);
    }
    return undefined;
  }

  private checkVerb(plugin: string, verb: unknown): string {
    if (typeof verb !== "string" || !VERB.test(verb)) {
      throw new PluginError(
        plugin,
        `invalid verb ${JSON.stringify(verb)}: 1 to 32 letters, digits, "_" or "-", starting with a letter`,
      );
    }
    return verb.toUpperCase();
  }

  private fail({ plugin, error: failure }: PluginFailure, verb: string, session: SessionHandle): void {
    if (failure instanceof RoomLimitError) {
      session.reply(error(failure.code, failure.room));
      return;
    }
    if (failure instanceof UnavailableError) {
      this.logger.warn({ plugin, verb, conn: session.id, user: session.username, reason: failure.message }, "cluster unavailable");
      session.reply(CLUSTER_UNAVAILABLE);
      return;
    }
    if (failure instanceof StoreUnavailableError) {
      this.logger.warn({ plugin, verb, conn: session.id, user: session.username, reason: failure.message }, "database unavailable");
      session.reply(ACCOUNTS_UNAVAILABLE);
      return;
    }
    this.logger.error({ plugin, verb, conn: session.id, user: session.username, err: failure }, "command failed");
    session.reply(INTERNAL_ERROR);
  }
}

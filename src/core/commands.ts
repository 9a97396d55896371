import { inject, injectable } from "tsyringe";
import { PluginError } from "./errors";
import type { Command, SessionHandle } from "./plugin-api";
import type { LoggerPort } from "./ports/logger.port";
import { asciiUpperCase, echoWord, splitFirstWord } from "./protocol/text";
import { TOKENS } from "./tokens";

interface RegisteredCommand {
  readonly plugin: string;
  readonly verb: string;
  readonly requiresLogin: boolean;
  readonly command: Command;
}

const VERB = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

/**
 * The verbs plugins registered, and the dispatch of a line to one of them.
 * A failing command is answered `ERR internal-error` and logged with its
 * plugin's name; the connection and the server go on.
 */
@injectable()
export class CommandDispatcher {
  private readonly byVerb = new Map<string, RegisteredCommand>();

  constructor(@inject(TOKENS.Logger) private readonly logger: LoggerPort) {}

  add(plugin: string, command: Command): void {
    if (typeof command !== "object" || command === null) {
      throw new PluginError(plugin, "a command must be an object with a verb and a handle function");
    }
    if (typeof command.verb !== "string" || !VERB.test(command.verb)) {
      throw new PluginError(
        plugin,
        `invalid verb ${JSON.stringify(command.verb)}: 1 to 32 letters, digits, "_" or "-", starting with a letter`,
      );
    }
    const verb = command.verb.toUpperCase();
    if (typeof command.handle !== "function") {
      throw new PluginError(plugin, `command ${verb} has no handle function`);
    }
    const existing = this.byVerb.get(verb);
    if (existing !== undefined) {
      throw new PluginError(plugin, `verb ${verb} is already registered by plugin "${existing.plugin}"`);
    }
    this.byVerb.set(verb, { plugin, verb, requiresLogin: command.requiresLogin !== false, command });
  }

  /** Runs the command on `line`; returns a promise when the command is still running. */
  dispatch(session: SessionHandle, line: string): Promise<void> | undefined {
    const { word, rest } = splitFirstWord(line);
    if (word === "") return undefined;
    // Clients mostly send verbs upper-case already; try that before allocating.
    const entry = this.byVerb.get(word) ?? this.byVerb.get(asciiUpperCase(word));
    if (entry === undefined) {
      session.reply(`ERR unknown-command ${echoWord(asciiUpperCase(word))}`);
      return undefined;
    }
    if (entry.requiresLogin && session.username === null) {
      session.reply("ERR must-login-first");
      return undefined;
    }
    try {
      const result = entry.command.handle({ session, args: rest });
      if (isThenable(result)) {
        return Promise.resolve(result).then(
          () => undefined,
          (error: unknown) => this.fail(entry, session, error),
        );
      }
    } catch (error) {
      this.fail(entry, session, error);
    }
    return undefined;
  }

  private fail(entry: RegisteredCommand, session: SessionHandle, error: unknown): void {
    this.logger.error(
      { plugin: entry.plugin, verb: entry.verb, conn: session.id, user: session.username, err: error },
      "command failed",
    );
    session.reply("ERR internal-error");
  }
}

import type { LoggerPort } from "./ports/logger.port";

/** What a command sees of the connection it serves. */
export interface SessionHandle {
  /** Unique among this server's connections; stable for the connection's life. */
  readonly id: number;
  readonly remoteAddress: string;
  /** The name claimed by LOGIN, or null before it. */
  readonly username: string | null;
  /** Sends one line to this client (the line ending is added). */
  reply(line: string): void;
  /** Sends several lines at once, encoded into one write: cheaper than a reply per line. */
  replyLines(lines: readonly string[]): void;
  /**
   * Ends the connection: sends `farewell` first if given, tells the others
   * that the user left, then closes.
   */
  end(reason: string, farewell?: string): void;
}

export interface CommandContext {
  readonly session: SessionHandle;
  /** What follows the verb, without the separators around it. */
  readonly args: string;
}

export interface Command {
  /** The verb, matched ignoring case; written upper-case by convention. */
  readonly verb: string;
  /** Default true: before LOGIN the client is answered `ERR must-login-first`. */
  readonly requiresLogin?: boolean;
  /** May return a promise; the connection's next line waits for it. */
  handle(context: CommandContext): void | Promise<void>;
}

/** The outcome of a LOGIN; anything but "ok" is the error code sent to the client. */
export type LoginResult = "ok" | "already-logged-in" | "invalid-username" | "username-taken";

/** The logged-in users, as commands may act on them. */
export interface RoomApi {
  /** Claims `username` for the session, applying the username rules. */
  login(session: SessionHandle, username: string): Promise<LoginResult>;
  /** Sends `line` to every logged-in user but `from`. */
  broadcast(from: SessionHandle, line: string): void;
  /** Sends `line` to the user named (ignoring case); false when nobody has that name. */
  sendTo(username: string, line: string): Promise<boolean>;
  /** Every logged-in username, in login order. */
  users(): Promise<readonly string[]>;
}

/** What a plugin receives when it is registered. */
export interface PluginApi<Options> {
  readonly commands: { add(command: Command): void };
  readonly room: RoomApi;
  /** A logger that names the plugin in every entry. */
  readonly logger: LoggerPort;
  /** This plugin's options from the configuration; `{}` when none are given. */
  readonly options: Options;
}

export interface ChatPlugin<Options = Record<string, unknown>> {
  /** Unique among loaded plugins; what the configuration calls it. */
  readonly name: string;
  /** Plugins that must be loaded too, in any order. */
  readonly dependencies?: readonly string[];
  register(api: PluginApi<Options>): void;
}

/** Identity function that gives a plugin literal its types. */
export function definePlugin<Options = Record<string, unknown>>(
  plugin: ChatPlugin<Options>,
): ChatPlugin<Options> {
  return plugin;
}

import type { GroupModeChange, MessageTarget, PluginEventData } from "./events";
import type { OptionsOf, OptionsSchema } from "./options";
import type { Timer } from "./ports/clock.port";
import type { GroupInfo, GroupRoster, Membership, ModeResult } from "./ports/delivery.port";
import type { LoggerPort } from "./ports/logger.port";
import type { ErrorReply, Farewell, Reply } from "./language";
import type { ListsPort } from "./ports/lists.port";
import type { ResumeRefusal } from "./ports/session-moves.port";
import type { ResumePoint } from "./resume-log";
import type { Profile } from "./ports/profiles.port";
import type { AccountRefusal } from "./accounts";

/** What a command sees of the connection it serves. */
export interface SessionHandle {
  /** Unique among this server's connections; stable for the connection's life. */
  readonly id: number;
  readonly remoteAddress: string;
  /** The name claimed by LOGIN, or null before it. */
  readonly username: string | null;
  /**
   * Answers this client, in its door's words (docs/PLUGINS.md, "Replies").
   * A string is a line of text as it is (the API before replies were
   * typed): shown as it is by the doors that speak lines, as a notice by
   * the others.
   */
  reply(reply: Reply | string): void;
  /** Several lines of text at once, in one write (the API before replies were typed: see `reply`). */
  replyLines(lines: readonly string[]): void;
  /**
   * Ends the connection: says `farewell` first if given, tells the others
   * that the user left (with `message`, the user's own words on leaving,
   * where their doors show it: a QUIT's reason), then closes.
   */
  end(reason: string, farewell?: Farewell, message?: string): void;
}

export interface CommandContext {
  readonly session: SessionHandle;
  /**
   * The parameters, as the client's door parsed them, one per name of the
   * command's `params` (a missing one is ""); for an extension's form, one
   * per name of that form.
   */
  readonly params: readonly string[];
  /**
   * The parameters as one text, joined by a space: for a command that
   * declares no `params` (written before commands were typed), what
   * followed the verb.
   */
  readonly args: string;
}

export interface Command {
  /** The verb, matched ignoring case; written upper-case by convention. */
  readonly verb: string;
  /**
   * The parameters it takes, by name (lower-case letters, digits, "-"), in
   * order. A door that reads lines (the line protocol) gives each name one
   * word, and the last one the rest of the line as it was sent. Without
   * `params`, the command is given the rest of the line as one parameter.
   */
  readonly params?: readonly string[];
  /** Default true: before LOGIN the client is answered `must-login-first`. */
  readonly requiresLogin?: boolean;
  /**
   * Lines of the client's flood budget the command takes (default 1): more
   * for a command whose answer costs the server much (WHO writes a line per
   * user), so that a client cannot make the server work harder than its
   * budget allows.
   */
  readonly cost?: number;
  /** May return a promise; the connection's next line waits for it. */
  handle(context: CommandContext): void | Promise<void>;
}

/**
 * Runs before the handler of a verb another plugin provides: it may answer
 * the line itself, or call `next()` to pass it on (to later extensions,
 * then the verb's own handler).
 */
export type CommandExtension = (context: CommandContext, next: () => Promise<void>) => void | Promise<void>;

/** The outcome of a LOGIN; anything but "ok" is the error code the client is answered. */
export type LoginResult = "ok" | "already-logged-in" | "invalid-username" | "username-taken" | "username-registered" | "guests-not-allowed";

/** The outcome of an account's command (see AccountsApi); anything but "ok" is the error code the client is answered. */
export type AccountResult = LoginResult | AccountRefusal | "not-signed-in" | "not-an-operator";

/**
 * Accounts, as commands act on them (docs/ACCOUNTS.md): a password is
 * taken only over TLS or loopback (unless the operator allows it), and a
 * wrong one and an unknown account are answered alike (`bad-credentials`).
 */
export interface AccountsApi {
  /** Registers `name` and signs the session in to it: before login, or as the guest that goes by `name`. */
  register(session: SessionHandle, name: string, password: string): Promise<AccountResult>;
  /** Signs the session in to `name`'s account: it goes by that name. */
  signIn(session: SessionHandle, name: string, password: string): Promise<AccountResult>;
  /** Changes the password of the account the session is signed in to; its resume token is void. */
  changePassword(session: SessionHandle, oldPassword: string, newPassword: string): Promise<AccountResult>;
  /** Deletes the account the session is signed in to, and ends its other sessions (the caller ends the session that asked). */
  delete(session: SessionHandle, password: string): Promise<AccountResult>;
  /** Makes the session's user a server operator (IRC's OPER), by an operator's account. */
  operate(session: SessionHandle, name: string, password: string): Promise<AccountResult>;
  /** The session's user is no server operator any more. */
  deoperate(session: SessionHandle): void;
  /** The account the session is signed in to; null for a guest. */
  accountOf(session: SessionHandle): string | null;
}

/** The outcome of a rename; anything but "ok" is the error code the client is answered. */
export type RenameResult = "ok" | "invalid-username" | "username-taken" | "username-registered" | "signed-in";

export type { MessageTarget } from "./events";

/** A user's chat message on its way to others. */
export interface ChatMessage {
  readonly from: SessionHandle;
  readonly to: MessageTarget;
  readonly text: string;
  /** A notice: a message no client answers by itself (IRC's NOTICE); doors without notices show it as a message. */
  readonly notice?: boolean;
}

/** A chat message the server delivered: with its id in the cluster and the time it was accepted (see SendResult). */
export interface DeliveredMessage extends ChatMessage {
  /** A ULID: unique in the cluster, sorting as messages were accepted. */
  readonly id: string;
  /** When the server accepted it: milliseconds since 1970 (the wall clock of the node that did). */
  readonly at: number;
}

/**
 * What a `beforeMessage` hook decides: nothing (pass it on as it is), a new
 * text, or a refusal: the error the sender gets instead (or, as before
 * replies were typed, a line of text).
 */
export type MessageVerdict = void | { readonly text: string } | { readonly refuse: ErrorReply | string };

/**
 * What became of a message given to `room.send`: sent (with its final text),
 * refused by a hook (`reply` is the answer for the sender), for a user not
 * online, or dropped because the sender left while hooks were deciding.
 */
export type SendResult =
  | { readonly status: "sent"; readonly text: string; readonly id: string; readonly at: number; readonly away?: string }
  | { readonly status: "refused"; readonly reply: Reply }
  | { readonly status: "not-found" }
  | { readonly status: "gone" };

export type { GroupInfo, GroupRoster, Membership, ModeResult } from "./ports/delivery.port";
export type { GroupModeChange } from "./events";

/**
 * What a message's sender is answered, from what became of it: `sent` with
 * its id and time, or the refusal; null when there is nothing to say (the
 * sender left) or the plugin says it (`not-found`: who was not found).
 */
export function sendReply(result: SendResult): Reply | null {
  switch (result.status) {
    case "sent": {
      const { id, at, away } = result;
      return away === undefined ? { kind: "sent", id, at } : { kind: "sent", id, at, away };
    }
    case "refused":
      return result.reply;
    default:
      return null;
  }
}

/** What became of a resume: the session taken over, or why not (`gap-too-large`: log in afresh). */
export type ResumeResult =
  | { readonly status: "resumed"; readonly username: string }
  | { readonly status: "refused"; readonly reason: ResumeRefusal | "already-logged-in" | "disabled" };

/** The logged-in users, as commands may act on them. */
export interface RoomApi {
  /** Claims `username` for the session, applying the username rules. */
  login(session: SessionHandle, username: string): Promise<LoginResult>;
  /**
   * Gives a logged-in session another name, claimed as a login's is (the
   * same rules), in its place in the login order: it keeps its groups and
   * its resume token, and everyone else is told (a `renamed` event). The
   * messages it sent before keep the name they were sent under.
   */
  rename(session: SessionHandle, username: string): Promise<RenameResult>;
  /** Every logged-in username, in login order. */
  users(): Promise<readonly string[]>;
  /** Those of `usernames` that are logged in (case ignored), as they are shown, in the order asked; cheap whatever the number of users. */
  find(usernames: readonly string[]): Promise<readonly string[]>;
  /**
   * Sends a user's chat message: the `beforeMessage` hooks may change or
   * refuse it; each recipient's door shows it in its words; the
   * `onMessage` hooks hear of it once delivered. Not back to the sender,
   * unless it is a DM to itself.
   */
  send(message: ChatMessage): Promise<SendResult>;
  /**
   * Sends a line from the server (a notice, not a user's message: no hooks)
   * to `to`, but not to `except`: a door that speaks lines shows the text
   * as it is, another as a notice. Resolves false when a user target is not online.
   */
  notify(to: MessageTarget, line: string, except?: SessionHandle): Promise<boolean>;
  /**
   * Puts a logged-in session in a group; false when it was in already, or
   * is leaving. The other members are told (a `joined` event).
   */
  join(session: SessionHandle, group: string): Promise<boolean>;
  /** Marks the session's user away with this message (AWAY), or back (null or ""): others see it in its profile, and a DM's sender is told. */
  setAway(session: SessionHandle, message: string | null): void;
  /** What others may see of these users (WHOIS), in the order asked; null for one not online. */
  profilesOf(usernames: readonly string[]): Promise<readonly (Profile | null)[]>;
  /** The groups a user is in, on any node, in no order, with whether it is their operator and they are secret. */
  roomsOf(username: string): Promise<readonly Membership[]>;
  /** Takes the session out of a group; false when it was not in. The others are told (a `parted` event, with `message` if given). */
  part(session: SessionHandle, group: string, message?: string): Promise<boolean>;
  isMember(session: SessionHandle, group: string): boolean;
  /** The groups with anyone in them, by name, the secret ones too (a listing for users shows those only to their members). */
  groups(): Promise<readonly GroupInfo[]>;
  /** A group's members, on every node. */
  members(group: string): Promise<readonly string[]>;
  /** A group's members, on every node, with its operators and whether it is secret. */
  roster(group: string): Promise<GroupRoster>;
  /**
   * Changes a group's modes (makes a member one of its operators or not,
   * makes it secret or not) on behalf of the session's user, who must be
   * one of its operators: the first member of a group is, and an operator
   * may make others. A change made is told to every member (a `mode`
   * event); one that changes nothing is told to nobody.
   */
  changeMode(session: SessionHandle, group: string, change: GroupModeChange): Promise<ModeResult>;
  /**
   * Makes a logged-in session resumable: a new token (an earlier one stops
   * working), and what the session is sent from the line sent next on (the
   * token's line, number 0) is kept for a resume. Null when resuming is off.
   */
  resumeToken(session: SessionHandle): string | null;
  /**
   * On a session not logged in, takes over the session `token` names, on
   * a connection of the protocol it was made on: the client says where it
   * got to (the lines it received after the token's line, or the id of the
   * last event it got). On success the session is answered `resumed` with
   * its name and a new token (line 0 of its new count), then sent
   * everything it missed, in order, then goes on live; nobody else notices
   * anything.
   */
  resume(session: SessionHandle, token: string, point: ResumePoint): Promise<ResumeResult>;
}

export interface LoginEvent {
  readonly session: SessionHandle;
  readonly username: string;
}

export interface RenameEvent {
  readonly session: SessionHandle;
  /** The name it went by. */
  readonly from: string;
  /** The name it goes by now (the session's `username`). */
  readonly to: string;
}

export interface DisconnectEvent {
  readonly username: string;
  /** Why: "quit", "idle", "client-closed", "error", "send-queue", "shutdown" ... */
  readonly reason: string;
  /** The user's own words on leaving (QUIT's reason), when it gave some. */
  readonly message?: string;
}

/**
 * Events a plugin can act on besides its commands. Hooks run in plugin
 * order; one that throws (or rejects) is logged with its plugin's name and
 * the others still run.
 */
export interface Hooks {
  /** A user logged in; runs after its `ok`, before the connection's next command. */
  onLogin(hook: (event: LoginEvent) => void | Promise<void>): void;
  /** A user of this node took another name; runs after the others were told. */
  onRename(hook: (event: RenameEvent) => void | Promise<void>): void;
  /** A logged-in user left; runs after the others were told. */
  onDisconnect(hook: (event: DisconnectEvent) => void | Promise<void>): void;
  /**
   * A user's message is about to be delivered: return a new text, a
   * refusal, or nothing. A hook that fails refuses it (`internal-error`).
   */
  beforeMessage(hook: (message: ChatMessage) => MessageVerdict | Promise<MessageVerdict>): void;
  /** A user's message was delivered, with its final text, its id and its time. */
  onMessage(hook: (message: DeliveredMessage) => void | Promise<void>): void;
}

/**
 * Timers for a plugin, on the server's clock (the test kit's FakeClock moves
 * them by hand). A callback that throws, or returns a promise that rejects,
 * is logged with the plugin's name (`timer failed`) and the server goes on;
 * a repeating timer keeps its cadence. Every timer not yet fired or
 * cancelled is cancelled when the server stops.
 */
export interface Timers {
  /** Runs `callback` once, `delayMs` from now, unless cancelled first. */
  after(delayMs: number, callback: () => void | Promise<void>): Timer;
  /**
   * Runs `callback` every `intervalMs` (more than 0), the first time
   * `intervalMs` from now, until cancelled. A promise it returns is not
   * waited for: a slow callback can overlap the next tick.
   */
  every(intervalMs: number, callback: () => void | Promise<void>): Timer;
}

/**
 * How a plugin's own kind of event or reply looks, by door: each door looks
 * for its own rendering (`line` for the line protocol, `irc` for IRC: see
 * docs/PLUGINS.md), then `text`, the default every door falls back to.
 * Each returns one line of text (control characters are removed).
 */
export interface PluginEventRenderers {
  /** The default: what a door with no rendering of its own shows. */
  text?(data: PluginEventData): string;
  readonly [door: string]: ((data: PluginEventData) => string) | undefined;
}

/**
 * A plugin's own kinds of events and replies: defined once with how doors
 * show them, then sent like messages (rendered once per door, across a
 * cluster too) or given as a command's answer.
 */
export interface PluginEventsApi {
  /**
   * `name`: 1 to 32 lower-case letters, digits or "-". At least one
   * rendering (see PluginEventRenderers). Data is plain values.
   */
  define(name: string, renderers: PluginEventRenderers): void;
  /** Sends one of this plugin's events to `to`, but not to `except`; false when a user target is not online. */
  emit(name: string, to: MessageTarget, data: PluginEventData, except?: SessionHandle): Promise<boolean>;
  /** One of this plugin's kinds as a reply, for `session.reply`. */
  reply(name: string, data: PluginEventData): Reply;
}

/** What a plugin receives when it is registered. */
export interface PluginApi<Options> {
  readonly commands: {
    add(command: Command): void;
    /**
     * Extends a verb that another plugin adds; that plugin must be loaded
     * too. `params`: a form of the verb that the extension takes besides the
     * command's own (the rooms plugin's `MSG <room> <text>`); a door that
     * reads lines chooses the first form whose `room` parameters are given
     * words starting with "#".
     */
    extend(verb: string, extension: CommandExtension, params?: readonly string[]): void;
  };
  readonly hooks: Hooks;
  readonly room: RoomApi;
  readonly accounts: AccountsApi;
  readonly events: PluginEventsApi;
  /** A logger that names the plugin in every entry. */
  readonly logger: LoggerPort;
  /** This plugin's options, checked against its schema, defaults filled in. */
  readonly options: Options;
  /**
   * Takes new options while the server runs (on SIGHUP, when the
   * configuration file changed). A plugin that does not listen needs a
   * restart for new options, and the server says so in its log.
   */
  onOptionsChange(listener: (options: Options) => void): void;
  /** Timers that cannot take the server down, cancelled when it stops. */
  readonly timers: Timers;
  /**
   * Short lists of text, this plugin's own: in memory on one server, in
   * Redis in a cluster (every node sees the same, a node's restart loses
   * none). `newest` rejects with UnavailableError when Redis is away.
   */
  readonly lists: ListsPort;
  /**
   * Releases what the plugin holds besides its timers (files, sockets,
   * its own intervals) when the server stops: once, after the connections
   * were closed, plugins in reverse order. Awaited for up to 1 s; a hook
   * that fails or takes longer is logged and the others still run.
   */
  onClose(hook: () => void | Promise<void>): void;
}

export interface ChatPlugin<Schema extends OptionsSchema = OptionsSchema> {
  /** Unique among loaded plugins; what the configuration calls it. */
  readonly name: string;
  /** Plugins that must be loaded too, in any order. */
  readonly dependencies?: readonly string[];
  /** The options the plugin takes; any other is refused when the server starts. */
  readonly options?: Schema;
  register(api: PluginApi<OptionsOf<Schema>>): void;
}

/** Identity function that gives a plugin literal its types, options included. */
export function definePlugin<const Schema extends OptionsSchema = Record<never, never>>(
  plugin: ChatPlugin<Schema>,
): ChatPlugin<Schema> {
  return plugin;
}

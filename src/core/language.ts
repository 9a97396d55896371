import type { Profile } from "./ports/profiles.port";
import type { PluginEventData } from "./events";
import type { GroupInfo, Membership } from "./ports/delivery.port";

/*
 * The core's language: commands in, replies out, in no door's words. Each
 * door is a codec between its protocol and this.
 */

/**
 * A command as a door decoded it, in the core's vocabulary: the verb (`MSG`,
 * `DM`, a plugin's own), and its parameters as values, as the door parsed
 * them. An empty verb is a line with nothing on it: it counts as activity,
 * and is answered nothing.
 */
export interface CommandInput {
  readonly verb: string;
  readonly params: readonly string[];
}

/** The parameters each verb takes, for a door that splits a line into them. */
export interface CommandSyntax {
  /**
   * The forms of `verb` (case ignored), each a list of parameter names: the
   * extensions' forms first, then the command's own; undefined for a verb
   * nobody registered.
   */
  forms(verb: string): readonly (readonly string[])[] | undefined;
}

/**
 * The core's error codes: what went wrong, in no door's words. Each door
 * renders them (the line protocol as `ERR <code> [<subject>]`, IRC as a
 * numeric from its table); docs/PROTOCOL.md lists them with their meaning.
 * Plugins may answer with codes of their own (lower-case words joined by
 * "-"): a door with no rendering for a code uses its documented default.
 */
export const ERROR_CODES = [
  // Any command
  "unknown-command",
  "must-login-first",
  "internal-error",
  "cluster-unavailable",
  // Input the door could not read
  "line-too-long",
  "invalid-utf8",
  // LOGIN
  "invalid-username",
  "username-taken",
  "already-logged-in",
  "username-registered",
  "guests-not-allowed",
  // Accounts (docs/ACCOUNTS.md)
  "invalid-password",
  "bad-credentials",
  "too-many-attempts",
  "password-needs-tls",
  "registration-closed",
  "not-signed-in",
  "not-an-operator",
  "no-accounts",
  "busy",
  "accounts-unavailable",
  "signed-out",
  // NICK
  "signed-in",
  // MSG, DM
  "empty-message",
  "invalid-dm-format",
  "user-not-found",
  // Rooms
  "invalid-room",
  "already-in-room",
  "not-in-room",
  "too-many-rooms",
  "rooms-full",
  "not-operator",
  "user-not-in-room",
  // Resuming
  "invalid-resume-format",
  "resume-refused",
  // The server ending a connection, or turning one away (see Refusal)
  "idle-timeout",
  "send-queue-exceeded",
  "server-full",
  "too-many-connections",
  "connection-rate-exceeded",
] as const;

export type CoreErrorCode = (typeof ERROR_CODES)[number];

/** A core error code, or a plugin's own (lower-case words joined by "-"). */
export type ErrorCode = CoreErrorCode | (string & {});

/** What a command did not do, and about what (a user's, a room's name ...). */
export interface ErrorReply {
  readonly kind: "error";
  readonly code: ErrorCode;
  /** What the error is about, as the client named it (a door echoes it with its own care). */
  readonly subject?: string;
}

/** Why the server ends a connection, or is about to: said to the client last. */
export type Farewell =
  /** The client asked to leave (QUIT). */
  | { readonly kind: "bye" }
  | { readonly kind: "server-shutdown" }
  /** The client said nothing for too long, read too little, or another connection took its name. */
  | ErrorReply;

/** A chat message shown again (a history's line): who said what, with its id and time when they were kept. */
export interface SaidBefore {
  readonly from: string;
  readonly text: string;
  readonly id?: string;
  readonly at?: number;
}

/** The word a listing (WHO, MEMBERS) takes to answer with each user's profile: for a door that shows them so (IRC's WHO). */
export const WITH_PROFILES = "profiles";

/** What others may see of a user (see Profile), and, where asked (WHOIS), the rooms it is in (and of which it is an operator). */
export interface UserProfile extends Profile {
  readonly rooms?: readonly Membership[];
  /**
   * In a listing with profiles (WHO), for an invisible user: the one who
   * asked shares a room with it, so that a door that hides invisible users
   * from others (IRC's WHO by mask) shows it.
   */
  readonly sharesRoom?: true;
}

/**
 * What a command answers, in no door's words: each door renders it (the
 * line protocol as the lines docs/PROTOCOL.md gives, IRC as numerics).
 */
export type Reply =
  | { readonly kind: "ok" }
  | ErrorReply
  /**
   * A chat message of the client's was delivered: its id and the time it was
   * accepted (doors that show ids say it; the line protocol and IRC say
   * nothing); `away`, the recipient's away message, for a DM to a user who is away.
   */
  | { readonly kind: "sent"; readonly id: string; readonly at: number; readonly away?: string }
  | { readonly kind: "pong" }
  /**
   * The users asked about, in login order: all of them (WHO), or those of a
   * list that are online; with their profiles (in the same order) when the
   * command asked for them (see UserProfile).
   */
  | { readonly kind: "users"; readonly users: readonly string[]; readonly profiles?: readonly (UserProfile | null)[] }
  | { readonly kind: "rooms"; readonly rooms: readonly GroupInfo[] }
  /**
   * A room's members (none for a room nobody is in, or a secret one the
   * client is not in), with, from the rooms plugin, those of them who are
   * its operators and whether it is secret.
   */
  | {
      readonly kind: "members";
      readonly room: string;
      readonly members: readonly string[];
      readonly operators?: readonly string[];
      readonly secret?: boolean;
      readonly profiles?: readonly (UserProfile | null)[];
    }
  /** Messages to everyone from before the user came, oldest first. */
  | { readonly kind: "history"; readonly messages: readonly SaidBefore[] }
  /** A resume token: what the session is sent from here on is kept for a resume. */
  | { readonly kind: "token"; readonly token: string }
  /** A session resumed: its name and its new token. */
  | { readonly kind: "resumed"; readonly username: string; readonly token: string }
  /** A plugin's own kind of answer, shown by the renderings it defined (PluginEvents). */
  | { readonly kind: "plugin"; readonly plugin: string; readonly name: string; readonly data: PluginEventData }
  /**
   * A line of text as a plugin wrote it (the `reply(line)` of plugins written
   * before replies were typed): a door that speaks lines shows it as it is,
   * another as a notice from the server.
   */
  | { readonly kind: "text"; readonly text: string }
  | Farewell;

/** An error reply (a door's, a plugin's or the core's). */
export function error(code: ErrorCode, subject?: string): ErrorReply {
  return subject === undefined ? { kind: "error", code } : { kind: "error", code, subject };
}

export const OK: Reply = Object.freeze({ kind: "ok" });

/** The reply to an outcome that is "ok" or an error code (a login's, a rename's, an account's command's). */
export function outcomeReply(outcome: "ok" | ErrorCode): Reply {
  return outcome === "ok" ? OK : error(outcome);
}
export const PONG: Reply = Object.freeze({ kind: "pong" });
export const BYE: Farewell = Object.freeze({ kind: "bye" });
export const SERVER_SHUTDOWN: Farewell = Object.freeze({ kind: "server-shutdown" });

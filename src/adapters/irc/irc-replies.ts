import type { ErrorReply, Farewell } from "../../core/language";
import { stripControlCharacters } from "../../core/text";
import { userPrefix, type IrcNames } from "./irc-renderer";

/** Longest word echoed back (twice the longest name): a reply never carries a client's 4 KB line back. */
const MAX_ECHO = 64;

/**
 * A word the client sent, as a reply's middle parameter echoes it: no
 * control character (see `encodeIrcLines`), nothing from a space on (a
 * trailing parameter used as a target would split the reply), no leading
 * colon (which would start the reply's trailing parameter), "*" if nothing
 * is left.
 */
export function echo(word: string): string {
  const text = stripControlCharacters(word).split(" ", 1)[0]!.replace(/^:+/, "").slice(0, MAX_ECHO);
  return text === "" ? "*" : text;
}

/** The lines a connection writes itself, each without a control character, whatever of the client's it echoes. */
export function encodeIrcLines(lines: readonly string[]): Buffer {
  return Buffer.from(`${lines.map(stripControlCharacters).join("\r\n")}\r\n`);
}

/** An error's code and subject, for a notice: what a door with no numeric for it says (docs/IRC.md). */
export function errorText({ code, subject }: ErrorReply): string {
  return subject === undefined || subject === "" ? code : `${code} ${subject}`;
}

/** Why the server closes the link, as the closing ERROR says it. */
export function closingReason(farewell: Farewell): string {
  if (farewell.kind === "bye") return "Quit";
  if (farewell.kind === "server-shutdown") return "Server shutting down";
  switch (farewell.code) {
    case "idle-timeout":
      return "Ping timeout";
    case "send-queue-exceeded":
      return "SendQ exceeded";
    case "username-taken":
      return "Nickname taken elsewhere";
    default:
      return errorText(farewell);
  }
}

/** The numeric for an error about a message's target (PRIVMSG), or null: then a notice says it. */
const MESSAGE_ERRORS: Readonly<Record<string, (target: string) => [string, string]>> = {
  "user-not-found": (target) => ["401", `${echo(target)} :No such nick/channel`],
  "not-in-room": (target) => ["404", `${echo(target)} :Cannot send to channel`],
  "invalid-room": (target) => ["404", `${echo(target)} :Cannot send to channel`],
  "empty-message": () => ["412", ":No text to send"],
};

/** The numeric for an error about a channel (JOIN, PART), or null: then a notice says it. */
const CHANNEL_ERRORS: Readonly<Record<string, (channel: string) => [string, string]>> = {
  "not-in-room": (channel) => ["442", `${echo(channel)} :You're not on that channel`],
  "invalid-room": (channel) => ["479", `${echo(channel)} :Illegal channel name`],
  "too-many-rooms": (channel) => ["405", `${echo(channel)} :You have joined too many channels`],
  "rooms-full": (channel) => ["437", `${echo(channel)} :Cannot make a new channel: this server holds as many as it may`],
  "not-operator": (channel) => ["482", `${echo(channel)} :You're not channel operator`],
  "unknown-command": (channel) => ["403", `${echo(channel)} :No such channel (this server has no rooms)`],
};

/** Whom a channel's names list (353), and how: its operators as `@nick`, a secret channel with `@` for `=`. */
export interface ChannelNames {
  readonly users: readonly string[];
  readonly operators?: readonly string[] | undefined;
  readonly secret?: boolean | undefined;
}

/**
 * The lines of one IRC connection: numerics and notices from the server,
 * addressed to the client's nick (`*` before it has one).
 */
export class IrcLines {
  constructor(
    readonly names: IrcNames,
    private readonly nickOf: () => string | null,
  ) {}

  get nick(): string {
    return this.nickOf() ?? "*";
  }

  /** The client as IRC writes it in a prefix. */
  prefix(): string {
    return userPrefix(this.nick, this.names);
  }

  numeric(code: string, text: string, nick = this.nick): string {
    return `:${this.names.server} ${code} ${nick} ${text}`;
  }

  notice(text: string): string {
    return `:${this.names.server} NOTICE ${this.nick} :${text}`;
  }

  /** An IRCv3 standard reply: `command` failed, for the reason `code` names. */
  fail(command: string, code: string, text: string): string {
    return `:${this.names.server} FAIL ${command} ${code} :${text}`;
  }

  closing(reason: string): string {
    return `ERROR :Closing Link: ${this.nick} (${reason})`;
  }

  /** A PRIVMSG's error: a numeric, or a notice for a code with none. */
  messageError(target: string, error: ErrorReply): string {
    const numeric = MESSAGE_ERRORS[error.code];
    return numeric === undefined ? this.notice(`Not sent to ${target}: ${errorText(error)}`) : this.numeric(...numeric(target));
  }

  /** A JOIN's, PART's or channel MODE's error: a numeric, or a notice for a code with none. */
  channelError(channel: string, error: ErrorReply | undefined): string {
    const numeric = error === undefined ? undefined : CHANNEL_ERRORS[error.code];
    if (numeric !== undefined) return this.numeric(...numeric(channel));
    return this.notice(`${channel}: ${error === undefined ? "no answer" : errorText(error)}`);
  }

  /** A channel's names (353, as many lines as they take), then 366 naming `end` (the channel, or a NAMES's list), unless it is null. */
  names353(channel: string, { users, operators = [], secret = false }: ChannelNames, end: string | null = channel): string[] {
    const head = `:${this.names.server} 353 ${this.nick} ${secret ? "@" : "="} ${channel} :`;
    const marked = new Set(operators);
    const lines: string[] = [];
    let line = "";
    for (const user of users) {
      const name = marked.has(user) ? `@${user}` : user;
      if (Buffer.byteLength(head + line + name) + 3 > 512) {
        lines.push(head + line.trimEnd());
        line = "";
      }
      line += `${name} `;
    }
    if (line !== "") lines.push(head + line.trimEnd());
    if (end !== null) lines.push(this.numeric("366", `${echo(end)} :End of /NAMES list`));
    return lines;
  }

  /** A channel's modes (324): those of every channel here, and `s` for a secret one. */
  channelModes(channel: string, secret: boolean): string {
    return this.numeric("324", `${echo(channel)} ${secret ? "+nst" : "+nt"}`);
  }

  endOfWho(mask: string): string {
    return this.numeric("315", `${echo(mask)} :End of /WHO list`);
  }
}

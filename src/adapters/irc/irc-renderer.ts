import { isForEveryone, rendererId, type ChatEvent, type GroupModeChange, type MessageTarget, type Renderer } from "../../core/events";
import type { PluginEventRendering } from "../../core/ports/transport.port";
import { encodeLineAlone, SharedLines } from "../wire/shared-lines";
import { fitText } from "./irc-message";

/** How a departure's reason reads in an IRC QUIT. */
const QUIT_MESSAGES: Readonly<Record<string, string>> = {
  quit: "Quit",
  left: "Quit",
  idle: "Ping timeout",
  "client-closed": "Connection closed",
  error: "Connection error",
  "send-queue": "SendQ exceeded",
  shutdown: "Server shutting down",
  evicted: "Nickname taken elsewhere",
};

/** The renderings of a plugin's kinds this door looks for, in order (docs/PLUGINS.md). */
export const IRC_RENDERINGS: readonly string[] = Object.freeze(["irc", "text", "line"]);

/** Names and places IRC lines are written with. */
export interface IrcNames {
  /** The server's name in prefixes and numerics. */
  readonly server: string;
  /** The channel everyone is in, lower-case (as the IRC door's module gives it: names are compared by nameKey). */
  readonly lobby: string;
}

/** A user as IRC writes them in a prefix: nick!user@host (the host a fixed name: addresses are nobody's business). */
export function userPrefix(nick: string, names: IrcNames): string {
  return `${nick}!${nick}@${names.server}`;
}

/** A PART line (`head`: its prefix, verb and channel), with the words on leaving if any, cut to fit. */
export function partLine(head: string, message: string | undefined): string {
  return message === undefined || message === "" ? head : `${head} :${fitText(`${head} :`, message)[0]!}`;
}

/** A NICK line: `from` goes by `to` from now on (the renaming client is told so too, in these words). */
export function renameLine(from: string, to: string, names: IrcNames): string {
  return `:${userPrefix(from, names)} NICK :${to}`;
}

/** A change to a channel's modes as MODE says it: `+o nick`, `-s` ... */
function modeChangeText(change: GroupModeChange): string {
  const sign = change.on ? "+" : "-";
  return change.mode === "operator" ? `${sign}o ${change.user}` : `${sign}s`;
}

/**
 * IRC's rendering of events: a message is a PRIVMSG (to the lobby channel,
 * a room's channel, or the recipient's nick), a login a JOIN of the lobby
 * (as is coming back to everyone; leaving it a PART), a rename a NICK, a
 * departure a QUIT, a room's join or part a JOIN or PART, a change to its modes a MODE from the operator who made it, a
 * notice or a plugin's event a NOTICE from the server. Lines
 * longer than IRC allows become several. What goes to everyone is written into shared slabs, as
 * for the line protocol.
 */
export class IrcRenderer implements Renderer {
  readonly id = rendererId();
  readonly showsLogins = true;
  private readonly shared = new SharedLines();

  constructor(
    private readonly names: IrcNames,
    private readonly plugins: PluginEventRendering,
  ) {}

  render(event: ChatEvent): Uint8Array | null {
    const lines = this.lines(event);
    if (lines === null || lines.length === 0) return null;
    const text = lines.join("\r\n") + "\r";
    // encode() adds the LF.
    return isForEveryone(event) ? this.shared.encode(text) : encodeLineAlone(text);
  }

  /** Where a message to `to` goes in IRC: the lobby, a room's channel, or the recipient's nick. */
  private target(to: MessageTarget): string {
    return to.kind === "everyone" ? this.names.lobby : to.kind === "group" ? to.group : to.username;
  }

  private lines(event: ChatEvent): string[] | null {
    const names = this.names;
    switch (event.type) {
      case "message": {
        const head = `:${userPrefix(event.from, names)} ${event.notice === true ? "NOTICE" : "PRIVMSG"} ${this.target(event.to)} :`;
        return fitText(head, event.text).map((part) => head + part);
      }
      case "notice":
        return this.notice(event.to, event.text);
      case "login":
        // One who logs in outside the lobby (--irc-join-lobby off, on IRC) is not in it.
        return event.outside === true ? null : [`:${userPrefix(event.user, names)} JOIN ${names.lobby}`];
      case "outside": {
        const head = `:${userPrefix(event.user, names)}`;
        return [event.outside ? partLine(`${head} PART ${names.lobby}`, event.message) : `${head} JOIN ${names.lobby}`];
      }
      case "renamed":
        return [renameLine(event.user, event.name, names)];
      case "departure":
        return event.users.map(({ username, reason, message }) => {
          const head = `:${userPrefix(username, names)} QUIT :`;
          return head + (message === undefined ? (QUIT_MESSAGES[reason] ?? reason) : fitText(head, `Quit: ${message}`)[0]!);
        });
      case "joined":
        return [`:${userPrefix(event.user, names)} JOIN ${event.group}`];
      case "parted":
        return [partLine(`:${userPrefix(event.user, names)} PART ${event.group}`, event.message)];
      case "mode":
        return [`:${userPrefix(event.by, names)} MODE ${event.group} ${modeChangeText(event.change)}`];
      case "plugin": {
        const text = this.plugins.render(event.plugin, event.name, IRC_RENDERINGS, event.data);
        return text === null ? null : this.notice(event.to, text);
      }
    }
  }

  private notice(to: MessageTarget, text: string): string[] {
    const head = `:${this.names.server} NOTICE ${this.target(to)} :`;
    return fitText(head, text).map((part) => head + part);
  }
}

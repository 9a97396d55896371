import { unescapeEveryone } from "../client-shared/escape";
import type { Send } from "./input";
import type { Style } from "./style";

const ERROR_WORDS: Readonly<Record<string, (detail: string) => string>> = {
  "user-not-found": (name) => `nobody named ${name} is online`,
  "username-taken": () => "that name is taken: someone online has it",
  "invalid-username": () => "a name is 1 to 32 letters, digits, _, - or ., not starting with - or .",
  "empty-message": () => "there is nothing to send",
  "invalid-dm-format": () => "usage: /dm <user> <text>",
  "must-login-first": () => "log in first",
  "unknown-command": (verb) => `the server does not know ${verb}`,
  "line-too-long": () => "that line is longer than the server takes",
  "invalid-utf8": () => "that line was not valid UTF-8",
  "not-in-room": (room) => `you are not in ${room}`,
  "already-in-room": (room) => `you are in ${room} already`,
  "too-many-rooms": (room) => `you are in as many rooms as one may be: leave one to join ${room}`,
  "rooms-full": (room) => `the server has as many rooms as it may: ${room} cannot be made now`,
  "invalid-room": () => "a room is # then 1 to 32 letters, digits, _ or -",
  "idle-timeout": () => "disconnected for being idle",
  "send-queue-exceeded": () => "disconnected: too much output waiting for this client",
  "internal-error": () => "the server failed to handle that",
  "cluster-unavailable": () => "part of the server cannot be reached",
};

function splitWord(text: string): [string, string] {
  const space = text.indexOf(" ");
  return space === -1 ? [text, ""] : [text.slice(0, space), text.slice(space + 1)];
}

/**
 * Turns the server's lines into what a person reads: who said what, DMs
 * marked, notices muted, listings gathered into one line, errors in words,
 * a refused message named.
 */
export class Display {
  private gathered: string[] | null = null;
  private historyShown = false;

  constructor(private readonly style: Style) {}

  /** The lines to print for one line from the server; none for some. `answering`: the command an OK or ERR answers. */
  show(line: string, answering: Send | null = null): string[] {
    const { style } = this;
    const [verb, rest] = splitWord(line);
    switch (verb) {
      case "MSG": {
        const [user, text] = splitWord(rest);
        const [first, after] = splitWord(text);
        if (first.startsWith("#") && after !== "") return [`${style.muted(`[${first}]`)} ${style.name(user)}: ${after}`];
        return [`${style.name(user)}: ${unescapeEveryone(text)}`];
      }
      case "DM": {
        const [user, text] = splitWord(rest);
        return [style.private(`(DM) ${user}: ${text}`)];
      }
      case "HISTORY": {
        const [user, text] = splitWord(rest);
        this.historyShown = true;
        return [style.muted(`${user}: ${text}`)];
      }
      case "INFO":
        return this.info(rest);
      case "USER":
      case "ROOM":
        (this.gathered ??= []).push(verb === "USER" ? rest : rest.replace(/ (\d+)$/, " ($1)"));
        return [];
      case "END":
        return this.end(rest);
      case "ERR": {
        const [code, detail] = splitWord(rest);
        const words = ERROR_WORDS[code]?.(detail) ?? (detail === "" ? code : `${code} ${detail}`);
        const says = answering?.says;
        if (says === undefined) return [style.error(`! ${words}`)];
        if (code === "cluster-unavailable") return [style.error(`! may not have reached everyone: ${says} (${words})`)];
        // Meant for everyone, most likely: say how.
        const hint = says.startsWith("#") && (code === "not-in-room" || code === "invalid-room") ? `; to say it to everyone: \\${says}` : "";
        return [style.error(`! not sent: ${says} (${words}${hint})`)];
      }
      case "OK":
        return answering?.ok === undefined ? [] : [style.muted(`* ${answering.ok}`)];
      case "PONG":
        return [];
      default:
        return [line];
    }
  }

  /** What to print of a command the server may never have received (its connection dropped before it was answered). */
  unconfirmed(command: Send): string[] {
    return command.says === undefined ? [] : [this.style.error(`! not confirmed (the connection dropped before the server answered): ${command.says}`)];
  }

  private info(text: string): string[] {
    const { style } = this;
    if (text === "bye") return [];
    if (text === "server-shutdown") return [style.notice("* the server is shutting down")];
    const [user, event] = splitWord(text);
    if (event === "disconnected") return [style.muted(`* ${user} left`)];
    return [style.muted(`* ${text}`)];
  }

  private end(what: string): string[] {
    const items = this.gathered ?? [];
    this.gathered = null;
    switch (what) {
      case "WHO":
        return [`online (${items.length}): ${items.join(", ")}`];
      case "ROOMS":
        return [items.length === 0 ? "no rooms" : `rooms: ${items.join(", ")}`];
      case "HISTORY": {
        const shown = this.historyShown;
        this.historyShown = false;
        return shown ? [this.style.muted("-- earlier messages above --")] : [];
      }
      default:
        return [`END ${what}`];
    }
  }
}

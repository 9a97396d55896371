/**
 * The line protocol as the web client reads it: one line from the server
 * into one event. Pure: no DOM, no socket (tested in Node).
 */
import { unescapeEveryone } from "../client-shared/escape.js";
import { farewell } from "../client-shared/reconnection.js";

export type ServerEvent =
  | { readonly kind: "ok" }
  | { readonly kind: "error"; readonly code: string; readonly subject: string }
  /** An error the server says as it ends the session (idleness, a page too far behind): it answers no command. */
  | { readonly kind: "ended"; readonly code: string; readonly subject: string }
  | { readonly kind: "message"; readonly from: string; readonly text: string }
  | { readonly kind: "room-message"; readonly from: string; readonly room: string; readonly text: string }
  | { readonly kind: "dm"; readonly from: string; readonly text: string }
  | { readonly kind: "history"; readonly from: string; readonly text: string }
  | { readonly kind: "history-end" }
  /** A user listed (WHO), with the account it is signed in to when the list says (`WHO profiles`); null for a guest. */
  | { readonly kind: "user"; readonly name: string; readonly account: string | null }
  | { readonly kind: "users-end" }
  | { readonly kind: "room"; readonly name: string; readonly members: number }
  | { readonly kind: "rooms-end" }
  | { readonly kind: "left"; readonly user: string }
  /** A user goes by another name from now on. */
  | { readonly kind: "renamed"; readonly user: string; readonly name: string }
  | { readonly kind: "joined-room"; readonly user: string; readonly room: string }
  | { readonly kind: "left-room"; readonly user: string; readonly room: string }
  | { readonly kind: "shutdown" }
  | { readonly kind: "bye" }
  | { readonly kind: "pong" }
  | { readonly kind: "token"; readonly token: string }
  | { readonly kind: "resumed"; readonly user: string; readonly token: string }
  | { readonly kind: "other"; readonly line: string };

/** A room name as the rooms plugin shows it. */
export const ROOM = /^#[a-z0-9_-]{1,32}$/;

/** The first word of `text` and what follows the single space after it. */
function cut(text: string): [string, string] {
  const space = text.indexOf(" ");
  return space === -1 ? [text, ""] : [text.slice(0, space), text.slice(space + 1)];
}

/**
 * `MSG <user> #room <text>` is a room's message: a message to everyone
 * never starts with `#` on the wire (see client-shared/escape).
 */
export function parseLine(line: string): ServerEvent {
  const [verb, rest] = cut(line);
  switch (verb) {
    case "OK":
      return { kind: "ok" };
    case "PONG":
      return { kind: "pong" };
    case "ERR": {
      const [code, subject] = cut(rest);
      return farewell(line) === "end" ? { kind: "ended", code, subject } : { kind: "error", code, subject };
    }
    case "MSG": {
      const [from, text] = cut(rest);
      const [room, roomText] = cut(text);
      if (ROOM.test(room) && roomText !== "") return { kind: "room-message", from, room, text: roomText };
      return { kind: "message", from, text: unescapeEveryone(text) };
    }
    case "DM": {
      const [from, text] = cut(rest);
      return { kind: "dm", from, text };
    }
    case "HISTORY": {
      const [from, text] = cut(rest);
      return { kind: "history", from, text };
    }
    case "USER": {
      // `USER <name> <account>` answers `WHO profiles`; `*` is a guest.
      const [name, account] = cut(rest);
      return { kind: "user", name, account: account === "" || account === "*" ? null : account };
    }
    case "TOKEN":
      return { kind: "token", token: rest };
    case "RESUMED": {
      const [user, token] = cut(rest);
      return { kind: "resumed", user, token };
    }
    case "ROOM": {
      const [name, members] = cut(rest);
      return { kind: "room", name, members: Number(members) };
    }
    case "END":
      if (rest === "WHO") return { kind: "users-end" };
      if (rest === "ROOMS") return { kind: "rooms-end" };
      if (rest === "HISTORY") return { kind: "history-end" };
      break;
    case "INFO": {
      if (rest === "server-shutdown") return { kind: "shutdown" };
      if (rest === "bye") return { kind: "bye" };
      const [user, what] = cut(rest);
      if (what === "disconnected") return { kind: "left", user };
      if (what.startsWith("is now ")) return { kind: "renamed", user, name: what.slice(7) };
      const [action, room] = cut(what);
      if (action === "joined" && ROOM.test(room)) return { kind: "joined-room", user, room };
      if (action === "left" && ROOM.test(room)) return { kind: "left-room", user, room };
      break;
    }
  }
  return { kind: "other", line };
}

/** What the server's error codes mean, in words. */
export function describeError(code: string, subject: string): string {
  switch (code) {
    case "username-taken":
      return "That name is taken: someone online has it. Try another.";
    case "username-registered":
      return "That name is registered: sign in with its password to use it, or pick another.";
    case "guests-not-allowed":
      return "This server takes no guests: sign in, or sign up.";
    case "bad-credentials":
      return "Wrong name or password.";
    case "too-many-attempts":
      return "Too many tries: wait a little, then try again.";
    case "password-needs-tls":
      return "This server takes passwords over HTTPS only.";
    case "invalid-password":
      return "Passwords are 1 to 256 bytes.";
    case "registration-closed":
      return "Registration is closed here: ask the server's operator for an account.";
    case "no-accounts":
      return "This server keeps no accounts: join as a guest.";
    case "busy":
      return "The server is busy: try again in a moment.";
    case "signed-out":
      return "Signed out: your account was signed out everywhere.";
    case "unreachable":
      return "The server could not be reached.";
    case "invalid-username":
      return "Names are 1 to 32 letters, digits, _, - or ., and cannot start with - or .";
    case "already-logged-in":
      return "You are logged in already.";
    case "user-not-found":
      return `${subject} is not online.`;
    case "empty-message":
      return "There was nothing to send.";
    case "invalid-dm-format":
      return "A direct message needs a name and a text.";
    case "invalid-room":
      return "Room names are # then 1 to 32 letters, digits, _ or -.";
    case "not-in-room":
      return `You are not in ${subject}.`;
    case "already-in-room":
      return `You are in ${subject} already.`;
    case "too-many-rooms":
      return `You are in as many rooms as one may be: leave one to join ${subject}.`;
    case "rooms-full":
      return `The server has as many rooms as it may: ${subject} cannot be made now.`;
    case "line-too-long":
      return "That line is too long for the server.";
    case "cluster-unavailable":
      return "Part of the server cannot be reached right now; your message may have reached only some people.";
    case "internal-error":
      return "The server could not do that (an internal error).";
    case "must-login-first":
      return "Log in first.";
    case "idle-timeout":
      return "Disconnected after too long without activity.";
    case "send-queue-exceeded":
      return "Disconnected: this page fell too far behind the conversation.";
    case "server-full":
      return "The server is full.";
    case "too-many-connections":
      return "Too many connections from your address.";
    case "connection-rate-exceeded":
      return "Too many new connections from your address.";
    default:
      return `The server said: ${code}${subject === "" ? "" : ` ${subject}`}`;
  }
}

import { describeError, type ServerEvent } from "./protocol.js";

/** Lines a conversation keeps; older ones go, so that a tab left open for days stays small. */
const KEPT_LINES = 1000;

export interface ChatLine {
  readonly time: Date;
  /** Who said it; null for a notice from the server or the page. */
  readonly from: string | null;
  readonly text: string;
  /** Sent from this page. */
  readonly mine?: boolean;
  /** Replayed from before this login. */
  readonly earlier?: boolean;
}

/** "lobby", a room ("#dev"), or a direct conversation ("@alice"). */
export type ConversationId = string;

export const LOBBY: ConversationId = "lobby";

export interface Conversation {
  readonly id: ConversationId;
  readonly lines: ChatLine[];
  unread: number;
}

/** A command waiting for its OK or ERR, so that the answer can be told apart. */
export interface Pending {
  readonly verb: "LOGIN" | "JOIN" | "PART";
  readonly subject: string;
}

/** The name a direct conversation is shown under, and the user it is with. */
export function directWith(id: ConversationId): string | null {
  return id.startsWith("@") ? id.slice(1) : null;
}

const key = (name: string): string => name.toLowerCase();

/**
 * What the page knows: who is online, the rooms, the conversations, and
 * the commands waiting for an answer. Events from the server are applied
 * here; the page draws what results. Pure: tested in Node.
 */
export class ChatModel {
  me: string | null = null;
  /** Online users by lower-case name, in the order first seen. */
  readonly users = new Map<string, string>();
  /** Rooms with their member counts, as last listed; and the ones this user is in. */
  readonly rooms = new Map<string, number>();
  readonly joined = new Set<string>();
  /** Whether the server has rooms; null until it said. */
  roomsOn: boolean | null = null;
  readonly conversations = new Map<ConversationId, Conversation>([[LOBBY, { id: LOBBY, lines: [], unread: 0 }]]);
  current: ConversationId = LOBBY;
  readonly pending: Pending[] = [];
  /** A WHO or ROOMS answer being read. */
  private listing: { users?: string[]; rooms?: Map<string, number> } = {};
  /** What the last login's error was, for the login form. */
  loginError: string | null = null;

  conversation(id: ConversationId): Conversation {
    let found = this.conversations.get(id);
    if (found === undefined) {
      found = { id, lines: [], unread: 0 };
      this.conversations.set(id, found);
    }
    return found;
  }

  /** Adds a line; counts it unread unless its conversation is the one shown. */
  add(id: ConversationId, line: ChatLine): void {
    const conversation = this.conversation(id);
    conversation.lines.push(line);
    if (conversation.lines.length > KEPT_LINES) conversation.lines.splice(0, conversation.lines.length - KEPT_LINES);
    if (id !== this.current && line.from !== null && !line.mine) conversation.unread++;
  }

  notice(id: ConversationId, text: string, now: Date): void {
    this.add(id, { time: now, from: null, text });
  }

  open(id: ConversationId): void {
    this.current = id;
    this.conversation(id).unread = 0;
  }

  sawUser(name: string): void {
    if (!this.users.has(key(name))) this.users.set(key(name), name);
  }

  /** A fresh connection: what the server knew of us is gone; the conversations stay. */
  reset(): void {
    this.me = null;
    this.users.clear();
    this.joined.clear();
    this.pending.length = 0;
    this.listing = {};
  }

  /** Applies one event from the server. */
  apply(event: ServerEvent, now: Date): void {
    switch (event.kind) {
      case "ok":
        return this.answered(null, now);
      case "error":
        return this.failed(event.code, event.subject, now);
      case "message":
        this.sawUser(event.from);
        return this.add(LOBBY, { time: now, from: event.from, text: event.text });
      case "room-message":
        this.sawUser(event.from);
        return this.add(event.room, { time: now, from: event.from, text: event.text });
      case "dm":
        this.sawUser(event.from);
        return this.add(`@${event.from}`, { time: now, from: event.from, text: event.text });
      case "history":
        return this.add(LOBBY, { time: now, from: event.from, text: event.text, earlier: true });
      case "user":
        (this.listing.users ??= []).push(event.name);
        return;
      case "users-end":
        this.users.clear();
        for (const name of this.listing.users ?? []) this.users.set(key(name), name);
        this.listing.users = undefined;
        return;
      case "room":
        (this.listing.rooms ??= new Map()).set(event.name, event.members);
        return;
      case "rooms-end":
        this.roomsOn = true;
        this.rooms.clear();
        for (const [name, members] of this.listing.rooms ?? []) this.rooms.set(name, members);
        this.listing.rooms = undefined;
        return;
      case "left":
        this.users.delete(key(event.user));
        for (const id of [LOBBY, ...this.joined, `@${event.user}`]) {
          if (this.conversations.has(id)) this.notice(id, `${event.user} left`, now);
        }
        return;
      case "joined-room":
        this.sawUser(event.user);
        this.rooms.set(event.room, (this.rooms.get(event.room) ?? 0) + 1);
        return this.notice(event.room, `${event.user} joined`, now);
      case "left-room":
        this.rooms.set(event.room, Math.max(0, (this.rooms.get(event.room) ?? 1) - 1));
        return this.notice(event.room, `${event.user} left the room`, now);
      case "resumed":
        this.me = event.user;
        this.sawUser(event.user);
        return;
      case "shutdown":
      case "bye":
      case "pong":
      case "token":
      case "history-end":
        return;
      case "other":
        return this.notice(this.current, event.line, now);
    }
  }

  /** OK, or an error that answers a pending LOGIN, JOIN or PART. */
  private answered(error: { code: string; subject: string } | null, now: Date): void {
    const pending = this.pending.shift();
    if (pending === undefined) return;
    if (pending.verb === "LOGIN") {
      if (error === null) {
        this.me = pending.subject;
        this.loginError = null;
        this.sawUser(pending.subject);
      } else {
        this.loginError = describeError(error.code, error.subject);
      }
      return;
    }
    const room = pending.subject;
    if (pending.verb === "JOIN" && (error === null || error.code === "already-in-room")) {
      this.joined.add(room);
      this.conversation(room);
      if (error === null) this.rooms.set(room, (this.rooms.get(room) ?? 0) + 1);
      return;
    }
    if (pending.verb === "PART" && (error === null || error.code === "not-in-room")) {
      this.joined.delete(room);
      if (error === null) this.rooms.set(room, Math.max(0, (this.rooms.get(room) ?? 1) - 1));
      this.notice(room, "You left this room.", now);
      return;
    }
    this.notice(this.current, describeError(error!.code, error!.subject), now);
  }

  private failed(code: string, subject: string, now: Date): void {
    const pending = this.pending[0];
    const forPending =
      pending !== undefined &&
      (pending.verb === "LOGIN"
        ? code === "username-taken" || code === "invalid-username" || code === "already-logged-in" || code === "cluster-unavailable"
        : code === "invalid-room" || subject === pending.subject);
    if (forPending) return this.answered({ code, subject }, now);
    if (code === "unknown-command" && (subject === "ROOMS" || subject === "JOIN")) {
      this.roomsOn = false;
      return;
    }
    // An answer to a message: shown where it was written.
    const where = code === "user-not-found" ? `@${subject}` : code === "not-in-room" ? subject : this.current;
    this.notice(this.conversations.has(where) ? where : this.current, describeError(code, subject), now);
  }
}

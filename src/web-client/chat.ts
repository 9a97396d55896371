import { describeError, type ServerEvent } from "./protocol.js";

/** Lines a conversation keeps; older ones go, so that a tab left open for days stays small. */
const KEPT_LINES = 1000;

/**
 * Where a message written on this page stands: sent and not answered yet,
 * taken by the server, refused by it, or unconfirmed: it may or may not
 * have reached everyone (its connection dropped before the server
 * answered, or the server could not reach the rest of its cluster).
 */
export type Delivery = "sending" | "sent" | "failed" | "unconfirmed";

export interface ChatLine {
  readonly time: Date;
  /** Who said it; null for a notice from the server or the page. */
  readonly from: string | null;
  readonly text: string;
  /** Sent from this page. */
  readonly mine?: boolean;
  /** Replayed from before this login. */
  readonly earlier?: boolean;
  /** A message of this page's: what became of it; `problem` says why it was not taken. */
  delivery?: Delivery;
  problem?: string;
}

/** "lobby", a room ("#dev"), or a direct conversation ("@alice"). */
export type ConversationId = string;

export const LOBBY: ConversationId = "lobby";

export interface Conversation {
  readonly id: ConversationId;
  readonly lines: ChatLine[];
  unread: number;
}

/**
 * A command sent and not answered yet. The server handles a connection's
 * lines in order and answers each in turn, so an answer is the oldest
 * pending command's. A MSG or DM answers nothing when it goes through: the
 * page sends a PING after each, and its PONG with no ERR before it says
 * that the message was taken (docs/WEB.md).
 */
export type Pending =
  | { readonly verb: "LOGIN" | "NICK" | "JOIN" | "PART"; readonly subject: string }
  /** `line` is null for a message of the tab's previous page (a reload): its answer comes in the replay, and is awaited only to keep the order. */
  | { readonly verb: "MSG" | "DM"; readonly line: ChatLine | null }
  | { readonly verb: "PING" | "WHO" | "ROOMS" | "RESUMABLE" };

type Answer = Extract<ServerEvent, { kind: "ok" | "error" | "pong" | "token" | "users-end" | "rooms-end" }>;

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
  /** Those of them signed in to an account (lower-case names), as the last list said; the others are guests. */
  readonly signedIn = new Set<string>();
  /** Rooms with their member counts, as last listed; and the ones this user is in. */
  readonly rooms = new Map<string, number>();
  readonly joined = new Set<string>();
  /** Whether the server has rooms; null until it said. */
  roomsOn: boolean | null = null;
  readonly conversations = new Map<ConversationId, Conversation>([[LOBBY, { id: LOBBY, lines: [], unread: 0 }]]);
  current: ConversationId = LOBBY;
  readonly pending: Pending[] = [];
  /** Messages of this page's whose delivery changed since the page last drew them. */
  readonly changed: ChatLine[] = [];
  /** A WHO or ROOMS answer being read: users with the account each is signed in to (null: a guest). */
  private listing: { users?: [string, string | null][]; rooms?: Map<string, number> } = {};
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

  /** A message written on this page, shown as being sent until the server answers (see Pending). */
  say(id: ConversationId, text: string, now: Date): ChatLine {
    const line: ChatLine = { time: now, from: this.me, text, mine: true, delivery: "sending" };
    this.add(id, line);
    return line;
  }

  deliver(line: ChatLine, delivery: Delivery, problem?: string): void {
    line.delivery = delivery;
    line.problem = problem;
    this.changed.push(line);
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

  /** Whether the user is signed in to an account, as the last list of who is online said. */
  isSignedIn(name: string): boolean {
    return this.signedIn.has(key(name));
  }

  /** A fresh connection: what the server knew of us is gone, and no answer will come on the old one; the conversations stay. */
  reset(): void {
    this.me = null;
    this.users.clear();
    this.signedIn.clear();
    this.joined.clear();
    this.dropPending(this.pending.length);
    this.listing = {};
  }

  /**
   * The commands awaiting an answer, for the tab's next page, which resumes
   * the session (a reload): their answers come first in its replay, and it
   * must not take them for its own. Only their order matters there: the
   * messages among them were shown on this page, not on that one.
   */
  handOver(): Pending[] {
    return this.pending.map((pending) => ("line" in pending ? { verb: pending.verb, line: null } : pending));
  }

  /** Takes up the session another page of the tab had (see handOver): what this one knew of its own is of no use. */
  takeOver(pending: readonly Pending[]): void {
    this.reset();
    this.pending.push(...pending);
  }

  /** The oldest `count` pending commands will never be answered: messages among them are marked unconfirmed. */
  private dropPending(count: number): void {
    for (const pending of this.pending.splice(0, count)) {
      if ("line" in pending && pending.line !== null) this.deliver(pending.line, "unconfirmed", "The connection dropped before the server answered.");
    }
  }

  /** Applies one event from the server. */
  apply(event: ServerEvent, now: Date): void {
    switch (event.kind) {
      case "ok":
      case "pong":
      case "token":
        return this.answer(event, now);
      case "error":
        return this.answer(event, now);
      case "ended":
        return this.notice(this.current, describeError(event.code, event.subject), now);
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
        (this.listing.users ??= []).push([event.name, event.account]);
        return;
      case "users-end":
        this.users.clear();
        this.signedIn.clear();
        for (const [name, account] of this.listing.users ?? []) {
          this.users.set(key(name), name);
          if (account !== null) this.signedIn.add(key(name));
        }
        this.listing.users = undefined;
        return this.answer(event, now);
      case "room":
        (this.listing.rooms ??= new Map()).set(event.name, event.members);
        return;
      case "rooms-end":
        this.roomsOn = true;
        this.rooms.clear();
        for (const [name, members] of this.listing.rooms ?? []) this.rooms.set(name, members);
        this.listing.rooms = undefined;
        return this.answer(event, now);
      case "left":
        this.users.delete(key(event.user));
        this.signedIn.delete(key(event.user));
        for (const id of [LOBBY, ...this.joined, `@${event.user}`]) {
          if (this.conversations.has(id)) this.notice(id, `${event.user} left`, now);
        }
        return;
      case "renamed":
        return this.renamed(event.user, event.name, now);
      case "joined-room":
        this.sawUser(event.user);
        this.rooms.set(event.room, (this.rooms.get(event.room) ?? 0) + 1);
        return this.notice(event.room, `${event.user} joined`, now);
      case "left-room":
        this.rooms.set(event.room, Math.max(0, (this.rooms.get(event.room) ?? 1) - 1));
        return this.notice(event.room, `${event.user} left the room`, now);
      case "resumed": {
        this.me = event.user;
        this.sawUser(event.user);
        // A RESUMABLE sent before the drop never reached the server: its token would have replaced the one just used.
        const stale = this.pending.findIndex((pending) => pending.verb === "RESUMABLE");
        if (stale !== -1) this.pending.splice(stale, 1);
        return;
      }
      case "shutdown":
      case "bye":
      case "history-end":
        return;
      case "other":
        return this.notice(this.current, event.line, now);
    }
  }

  /**
   * Someone goes by another name: in the list of who is online in the old
   * name's place, and a direct conversation with them goes on under the
   * new one (what they said before stays under the name they said it as).
   */
  private renamed(from: string, to: string, now: Date): void {
    this.renameUser(from, to);
    const said = `${from} is now ${to}`;
    this.notice(LOBBY, said, now);
    const direct = this.conversations.get(`@${from}`);
    if (direct === undefined || this.conversations.has(`@${to}`)) return;
    this.conversations.delete(`@${from}`);
    this.conversations.set(`@${to}`, { ...direct, id: `@${to}` });
    if (this.current === `@${from}`) this.current = `@${to}`;
    this.notice(`@${to}`, said, now);
  }

  /** `from` is `to` in the list of who is online, in its place. */
  private renameUser(from: string, to: string): void {
    const users = [...this.users];
    this.users.clear();
    for (const [name, shown] of users) this.users.set(name === key(from) ? key(to) : name, name === key(from) ? to : shown);
    this.sawUser(to);
  }

  /** An answer: the oldest pending command's (see Pending). */
  private answer(event: Answer, now: Date): void {
    for (;;) {
      const pending = this.pending[0];
      if (pending === undefined) {
        if (event.kind === "error") this.notice(this.current, describeError(event.code, event.subject), now);
        return;
      }
      if (event.kind === "token" && pending.verb !== "RESUMABLE") {
        // The token asked for right after a resume: what was sent on the
        // dropped connection and is not answered by now never will be.
        this.dropPending(1);
        continue;
      }
      this.pending.shift();
      if ("line" in pending) {
        if (event.kind === "error") {
          const problem = describeError(event.code, event.subject);
          if (pending.line === null) return this.notice(this.current, problem, now);
          // The part of the cluster the server could reach has it: not sent is not true either.
          return this.deliver(pending.line, event.code === "cluster-unavailable" ? "unconfirmed" : "failed", problem);
        }
        // No ERR before the answer to the PING sent after it: it went through.
        if (pending.line !== null) this.deliver(pending.line, "sent");
        continue;
      }
      return this.answered(pending, event.kind === "error" ? event : null, now);
    }
  }

  private answered(pending: Exclude<Pending, { line: unknown }>, error: { code: string; subject: string } | null, now: Date): void {
    switch (pending.verb) {
      case "LOGIN":
        if (error === null) {
          this.me = pending.subject;
          this.loginError = null;
          this.sawUser(pending.subject);
        } else {
          this.loginError = describeError(error.code, error.subject);
        }
        return;
      case "NICK":
        if (error !== null) return this.notice(this.current, describeError(error.code, error.subject), now);
        this.renameUser(this.me!, pending.subject);
        this.me = pending.subject;
        return this.notice(this.current, `You are now ${pending.subject}.`, now);
      case "JOIN":
      case "PART": {
        const room = pending.subject;
        if (error?.code === "unknown-command") {
          this.roomsOn = false;
        } else if (pending.verb === "JOIN" && (error === null || error.code === "already-in-room")) {
          this.joined.add(room);
          this.conversation(room);
          if (error === null) this.rooms.set(room, (this.rooms.get(room) ?? 0) + 1);
        } else if (pending.verb === "PART" && (error === null || error.code === "not-in-room")) {
          this.joined.delete(room);
          if (error === null) this.rooms.set(room, Math.max(0, (this.rooms.get(room) ?? 1) - 1));
          this.notice(room, "You left this room.", now);
        } else {
          this.notice(this.current, describeError(error!.code, error!.subject), now);
        }
        return;
      }
      case "ROOMS":
        if (error?.code === "unknown-command") this.roomsOn = false;
        else if (error !== null) this.notice(this.current, describeError(error.code, error.subject), now);
        return;
      case "WHO":
        if (error !== null) this.notice(this.current, describeError(error.code, error.subject), now);
        return;
      case "PING":
      case "RESUMABLE":
        // A server without resuming says so to RESUMABLE: nothing for the user.
        return;
    }
  }
}

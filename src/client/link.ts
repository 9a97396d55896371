import type { Duplex } from "node:stream";
import { answerTo, farewell, NAME_AGAIN_MS, Reconnection } from "../client-shared/reconnection";
import { connect, describeFailure, onLines, type ConnectOptions } from "./connection";

/** A line for the server, with what the program wants to know when its answer comes. */
export interface Command {
  readonly send: string;
  /** The name the session goes by once the server answers `OK` (a `NICK`): a login afresh is under it. */
  readonly rename?: string;
}

/** What the link tells the program. */
export interface LinkEvents<C extends Command> {
  /** Logged in (first time, or afresh after the session was lost); `notice` says what happened, if anything. */
  loggedIn(notice: string | null): void;
  /**
   * A line from the server for the user (the resume protocol's own lines,
   * and the answers to the PINGs the link sends, are not passed on);
   * `answering`: the command an `OK` or `ERR` answers, if the program sent it.
   */
  line(line: string, answering: C | null): void;
  /** The connection dropped, and the link is trying to resume the session; `failure`: why the last attempt failed. */
  reconnecting(failure: string | null): void;
  /** The server is restarting: the link connects again and logs in afresh once it is back. */
  restarting(): void;
  /** The session was resumed on a new connection: nothing was missed. */
  resumed(): void;
  /** A command sent on a connection that dropped before it was answered: it may or may not have reached the server. */
  unconfirmed(command: C): void;
  /** The login was refused; `line` is the server's answer. */
  refused(line: string): void;
  /** The connection is gone for good (`quitting`: the user asked for it). */
  closed(quitting: boolean): void;
}

/** Time, so that tests can move it by hand. */
export interface Clock {
  now(): number;
  schedule(delayMs: number, callback: () => void): unknown;
}

const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  schedule: (delayMs, callback) => setTimeout(callback, delayMs).unref(),
};

const enum Phase {
  LoggingIn,
  Chatting,
  /** Connected again after a drop, RESUME sent. */
  Resuming,
  /** Between connections, trying again. */
  Away,
  Closed,
}

/**
 * One user's session with the server over the line protocol, kept across
 * dropped connections and server restarts.
 *
 * Once logged in it asks for a resume token (`RESUMABLE`), counts the lines
 * it receives after it, and when the connection drops without a farewell it
 * connects again and sends `RESUME <token> <count>`, so that the user misses
 * nothing. A refused resume (the grace was over, or more was missed than the
 * server kept) logs in afresh; so does a server's restart (`INFO
 * server-shutdown`), and a drop without a token. How often and for how long
 * it tries, and what each answer means, are the rules both clients share
 * (client-shared/reconnection).
 *
 * Each command is followed by a `PING`: the server answers a connection's
 * lines in order, so the `OK` or `ERR` that comes before that PING's `PONG`
 * answers the command, and a `MSG` or `DM` with none went through. After a
 * resume, the answers to what was sent before the drop are replayed before
 * the answer to the `RESUMABLE` sent right after `RESUMED`; what is still
 * unanswered then never will be (a message may or may not have gone through).
 */
export class Link<C extends Command> {
  private socket: Duplex | null = null;
  private phase = Phase.LoggingIn;
  private token: string | null = null;
  /** Lines received after the token's line. */
  private received = 0;
  private lastLine = "";
  private quitting = false;
  /** Logged in once: a later login is afresh, after the session was lost. */
  private wasIn = false;
  /** A RESUMABLE sent and not answered; `before`: how many commands sent before it were awaiting their answer then. */
  private tokenAsked: { before: number } | null = null;
  /** Commands sent (each followed by a PING) whose PING is not answered yet, oldest first; null for a keepalive. */
  private readonly unanswered: (C | null)[] = [];
  /** What the user typed while there was no connection: sent once there is one again. */
  private readonly pending: C[] = [];
  /** Trying to get back, since the connection was lost; null while connected, or before the first login's answer. */
  private reconnection: Reconnection | null = null;

  /** `chance`: a number from 0 to 1 (Math.random's), to spread the waits between attempts. */
  constructor(
    private readonly options: ConnectOptions,
    private user: string,
    private readonly events: LinkEvents<C>,
    private readonly clock: Clock = SYSTEM_CLOCK,
    private readonly open: (options: ConnectOptions) => Promise<Duplex> = connect,
    private readonly chance: () => number = Math.random,
  ) {}

  /** Connects and logs in; rejects if the first connection cannot be made. */
  async start(): Promise<void> {
    this.attach(await this.open(this.options));
    this.write(`LOGIN ${this.user}`);
  }

  send(command: C): void {
    if (this.phase === Phase.Chatting) this.command(command);
    else this.pending.push(command);
  }

  /** A keepalive: sent only while connected (nothing to keep alive otherwise). */
  ping(): void {
    if (this.phase === Phase.Chatting) this.command(null);
  }

  /** Leaves (once: quitting again does nothing). */
  quit(): void {
    if (this.quitting) return;
    this.quitting = true;
    if (this.phase === Phase.Chatting) this.write("QUIT");
    else this.finish();
  }

  private command(command: C | null): void {
    // A PING is its own fence.
    if (command !== null && !/^ping(\s|$)/i.test(command.send)) this.write(command.send);
    this.write("PING");
    this.unanswered.push(command);
  }

  private write(line: string): void {
    this.socket!.write(`${line}\n`);
  }

  private attach(socket: Duplex): void {
    this.socket = socket;
    this.lastLine = "";
    onLines(socket, (line) => this.onLine(line));
    socket.on("error", () => undefined);
    socket.on("close", () => this.onClose(socket));
  }

  private onLine(line: string): void {
    this.lastLine = line;
    switch (this.phase) {
      case Phase.LoggingIn:
        return this.onLoginAnswer(line);
      case Phase.Resuming:
        return this.onResumeAnswer(line);
      case Phase.Chatting: {
        const [verb, first] = line.split(" ");
        if (this.tokenAsked !== null && (verb === "TOKEN" || line === "ERR unknown-command RESUMABLE" || line === "ERR resume-refused disabled")) {
          if (verb === "TOKEN") {
            this.token = first!;
            this.received = 0;
          }
          this.forget(this.tokenAsked.before);
          this.tokenAsked = null;
          return;
        }
        this.received++;
        if (verb === "PONG" && this.unanswered.length > 0) {
          this.unanswered.shift();
          if (this.tokenAsked !== null && this.tokenAsked.before > 0) this.tokenAsked.before--;
          return;
        }
        const answering = (verb === "OK" || verb === "ERR") && farewell(line) === null ? (this.unanswered[0] ?? null) : null;
        if (verb === "OK" && answering?.rename !== undefined) this.user = answering.rename;
        return this.events.line(line, answering);
      }
    }
  }

  private onLoginAnswer(line: string): void {
    switch (answerTo("LOGIN", line)) {
      case "in":
        this.phase = Phase.Chatting;
        this.reconnection = null;
        // The session those commands were sent in is gone: no answer will come.
        this.forget(this.unanswered.length);
        this.askToken();
        this.events.loggedIn(this.wasIn ? `reconnected as ${this.user}; what was said meanwhile was missed` : null);
        this.wasIn = true;
        return this.flush();
      case "restart":
        // The close that follows waits for the server.
        return;
      case "again":
        if (this.reconnection === null) return this.events.refused(line);
        return void this.socket!.destroy();
      case "taken": {
        if (this.reconnection?.asksNameAgain(this.clock.now()) !== true) return this.events.refused(line);
        // On this connection only: should it close meanwhile, the next one logs in by itself.
        const socket = this.socket;
        this.clock.schedule(NAME_AGAIN_MS, () => {
          if (this.socket === socket && this.phase === Phase.LoggingIn) this.write(`LOGIN ${this.user}`);
        });
        return;
      }
      default:
        return this.events.refused(line);
    }
  }

  private onResumeAnswer(line: string): void {
    switch (answerTo("RESUME", line)) {
      case "in":
        this.token = line.split(" ")[2]!;
        this.received = 0;
        this.phase = Phase.Chatting;
        this.reconnection = null;
        this.askToken();
        this.events.resumed();
        return this.flush();
      case "again":
      case "restart":
        // Tried again on a new connection (after a restart, by logging in afresh).
        return void this.socket!.destroy();
      default:
        this.token = null;
        this.phase = Phase.LoggingIn;
        return this.write(`LOGIN ${this.user}`);
    }
  }

  /** Asks for a resume token; its answer comes after the answers to everything sent before. */
  private askToken(): void {
    this.write("RESUMABLE");
    this.tokenAsked = { before: this.unanswered.length };
  }

  /** The oldest `count` commands will never be answered. */
  private forget(count: number): void {
    for (const command of this.unanswered.splice(0, count)) {
      if (command !== null) this.events.unconfirmed(command);
    }
  }

  private flush(): void {
    for (const command of this.pending.splice(0)) this.command(command);
  }

  private onClose(socket: Duplex): void {
    if (socket !== this.socket || this.phase === Phase.Closed) return;
    if (this.quitting) return this.finish();
    const next = Reconnection.after(this.lastLine, this.reconnection, this.clock.now());
    // Ended; or dropped before the first login was answered, with nothing to get back to (a restart is waited for).
    if (next === null || (!this.wasIn && !next.restart && this.reconnection === null)) return this.finish();
    if (next !== this.reconnection) {
      this.tokenAsked = null;
      if (next.restart) {
        this.token = null;
        this.events.restarting();
      } else {
        this.events.reconnecting(null);
      }
    }
    this.reconnection = next;
    this.phase = Phase.Away;
    this.retry();
  }

  private retry(): void {
    const reconnection = this.reconnection!;
    const wait = reconnection.nextWait(this.clock.now(), this.chance());
    if (wait === null) return this.finish();
    this.clock.schedule(wait, () => {
      if (this.phase === Phase.Closed) return;
      this.open(this.options).then(
        (socket) => {
          // Quit while connecting: the session is left to its grace, not taken up again.
          if (this.phase === Phase.Closed) return void socket.destroy();
          this.attach(socket);
          if (this.token !== null) {
            this.phase = Phase.Resuming;
            this.write(`RESUME ${this.token} ${this.received}`);
          } else {
            this.phase = Phase.LoggingIn;
            this.write(`LOGIN ${this.user}`);
          }
        },
        (error: NodeJS.ErrnoException) => {
          if (this.phase === Phase.Closed) return;
          // Said on the first failure, then every fourth.
          if (reconnection.attempts % 4 === 1) this.events.reconnecting(describeFailure(error));
          this.retry();
        },
      );
    });
  }

  private finish(): void {
    this.phase = Phase.Closed;
    this.socket?.destroy();
    this.events.closed(this.quitting);
  }
}

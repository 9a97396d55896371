import type { Duplex } from "node:stream";
import { connect, describeFailure, onLines, type ConnectOptions } from "./connection";

/** A line for the server, with what the program wants to know when its answer comes. */
export interface Command {
  readonly send: string;
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

/** Farewells after which the session is over on the server: no resume is tried. */
const FINAL = new Set(["INFO bye", "INFO server-shutdown", "ERR idle-timeout", "ERR send-queue-exceeded"]);
const SHUTDOWN = "INFO server-shutdown";
/**
 * A connection over one of the server's limits gets one of these, then is
 * closed: they say nothing of the session or the name, so, reconnecting,
 * the link tries again rather than give either up.
 */
const CONNECTION_REFUSED = new Set(["ERR server-full", "ERR too-many-connections", "ERR connection-rate-exceeded"]);
/** Waits between attempts to reconnect, the last one repeated. */
const RETRY_MS = [250, 500, 1000, 2000, 4000];
/** How long a dropped session is tried for (until its grace is surely over), and a restarting server waited for. */
const RESUME_FOR_MS = 35_000;
export const RESTART_FOR_MS = 120_000;
/**
 * Logging in afresh after the session was lost, the name may still be
 * taken for a while (the node that held the session died, and its lease
 * has not run out yet): asked again this often, until the end of the wait.
 */
const RELOGIN_MS = 2000;

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
 * server-shutdown`), for which it waits up to RESTART_FOR_MS.
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
  /** Reconnecting: since when, for how long at most. */
  private away: { since: number; forMs: number } | null = null;

  constructor(
    private readonly options: ConnectOptions,
    private readonly user: string,
    private readonly events: LinkEvents<C>,
    private readonly clock: Clock = SYSTEM_CLOCK,
    private readonly open: (options: ConnectOptions) => Promise<Duplex> = connect,
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
    const [verb, first, second] = line.split(" ");
    switch (this.phase) {
      case Phase.LoggingIn:
        // Not the login's answer: the close that follows decides (a restart is waited for).
        if (line === SHUTDOWN || (this.away !== null && CONNECTION_REFUSED.has(line))) return;
        if (line === "ERR username-taken" && this.away !== null && this.clock.now() + RELOGIN_MS - this.away.since < this.away.forMs) {
          // On this connection only: should it close meanwhile, the next one logs in by itself.
          const socket = this.socket;
          this.clock.schedule(RELOGIN_MS, () => {
            if (this.socket === socket && this.phase === Phase.LoggingIn) this.write(`LOGIN ${this.user}`);
          });
          return;
        }
        if (line !== "OK") return this.events.refused(line);
        this.phase = Phase.Chatting;
        // The session those commands were sent in is gone: no answer will come.
        this.forget(this.unanswered.length);
        this.askToken();
        this.events.loggedIn(this.wasIn ? `reconnected as ${this.user}; what was said meanwhile was missed` : null);
        this.wasIn = true;
        this.away = null;
        return this.flush();
      case Phase.Resuming:
        if (verb === "RESUMED") {
          this.token = second!;
          this.received = 0;
          this.phase = Phase.Chatting;
          this.away = null;
          this.askToken();
          this.events.resumed();
          return this.flush();
        }
        // The node holding the session did not answer (a cluster's): it may
        // yet. A connection over a limit, or a server shutting down, did not
        // look at the session. Tried again on a new connection (a restart
        // logs in afresh), until the session is known to be gone.
        if (line === "ERR resume-refused unavailable" || line === SHUTDOWN || CONNECTION_REFUSED.has(line)) return void this.socket!.destroy();
        // Refused (the grace was over, or too much was missed): log in afresh.
        this.token = null;
        this.phase = Phase.LoggingIn;
        return this.write(`LOGIN ${this.user}`);
      case Phase.Chatting:
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
        return this.events.line(line, (verb === "OK" || verb === "ERR") && !FINAL.has(line) ? (this.unanswered[0] ?? null) : null);
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
    if (this.lastLine === SHUTDOWN) {
      this.token = null;
      this.tokenAsked = null;
      this.away = { since: this.clock.now(), forMs: RESTART_FOR_MS };
      this.phase = Phase.Away;
      this.events.restarting();
      return this.retry(0);
    }
    if (FINAL.has(this.lastLine)) return this.finish();
    // A connection made while reconnecting closed: try again, within the same wait.
    if (this.away !== null) {
      this.phase = Phase.Away;
      return this.retry(0);
    }
    if (this.phase !== Phase.Chatting || this.token === null) return this.finish();
    this.tokenAsked = null;
    this.away = { since: this.clock.now(), forMs: RESUME_FOR_MS };
    this.phase = Phase.Away;
    this.events.reconnecting(null);
    this.retry(0);
  }

  private retry(attempt: number): void {
    const { since, forMs } = this.away!;
    const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
    if (this.clock.now() + delay - since > forMs) return this.finish();
    this.clock.schedule(delay, () => {
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
          if (attempt % 4 === 0) this.events.reconnecting(describeFailure(error));
          this.retry(attempt + 1);
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

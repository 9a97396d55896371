import type { Socket } from "node:net";
import { connect, describeFailure, onLines, type ConnectOptions } from "./connection";

/** What the link tells the program. */
export interface LinkEvents {
  /** Logged in (first time, or afresh after a resume was refused); `notice` says what happened, if anything. */
  loggedIn(notice: string | null): void;
  /** A line from the server for the user (the resume protocol's own lines are not passed on). */
  line(line: string): void;
  /** The connection dropped, and the link is trying to resume the session; `failure`: why the last attempt failed. */
  reconnecting(failure: string | null): void;
  /** The session was resumed on a new connection: nothing was missed. */
  resumed(): void;
  /** The login was refused; `line` is the server's answer. */
  refused(line: string): void;
  /** The connection is gone for good (`quitting`: the user asked for it). */
  closed(quitting: boolean): void;
}

/** Farewells after which the session is over on the server: no resume is tried. */
const FINAL = new Set(["INFO bye", "INFO server-shutdown", "ERR idle-timeout", "ERR send-queue-exceeded"]);
/** Waits between attempts to reconnect, then the last one repeated until the session's grace is surely over. */
const RETRY_MS = [250, 500, 1000, 2000, 4000];
const GIVE_UP_MS = 35_000;
/**
 * Logging in afresh after a refused resume, the name may still be taken for
 * a while (the node that held the session died, and its lease has not run
 * out yet): asked again this often, until GIVE_UP_MS after the drop.
 */
const RELOGIN_MS = 2000;

const enum Phase {
  LoggingIn,
  Chatting,
  Resuming,
  Closed,
}

/**
 * One user's session with the server over the line protocol, kept across
 * dropped connections: once logged in it asks for a resume token
 * (`RESUMABLE`), counts the lines it receives after it, and when the
 * connection drops without a farewell it connects again and sends
 * `RESUME <token> <count>`, so that the user misses nothing. A refused
 * resume (the grace was over, or more was missed than the server kept)
 * logs in afresh.
 */
export class Link {
  private socket: Socket | null = null;
  private phase = Phase.LoggingIn;
  private token: string | null = null;
  /** Lines received after the token's line. */
  private received = 0;
  private lastLine = "";
  private quitting = false;
  /** What the user typed while there was no connection: sent once there is one again. */
  private readonly pending: string[] = [];
  private lostAt = 0;

  constructor(
    private readonly options: ConnectOptions,
    private readonly user: string,
    private readonly events: LinkEvents,
  ) {}

  /** Connects and logs in; rejects if the first connection cannot be made. */
  async start(): Promise<void> {
    this.attach(await connect(this.options));
    this.write(`LOGIN ${this.user}`);
  }

  send(line: string): void {
    if (this.phase === Phase.Chatting) this.write(line);
    else this.pending.push(line);
  }

  /** A keepalive: sent only while connected (nothing to keep alive otherwise). */
  ping(): void {
    if (this.phase === Phase.Chatting) this.write("PING");
  }

  /** Leaves (once: quitting again does nothing). */
  quit(): void {
    if (this.quitting) return;
    this.quitting = true;
    if (this.phase === Phase.Chatting) this.write("QUIT");
    else this.finish();
  }

  private write(line: string): void {
    this.socket!.write(`${line}\n`);
  }

  private attach(socket: Socket): void {
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
        if (line === "ERR username-taken" && this.token !== null && Date.now() + RELOGIN_MS - this.lostAt < GIVE_UP_MS) {
          setTimeout(() => this.write(`LOGIN ${this.user}`), RELOGIN_MS).unref();
          return;
        }
        if (line !== "OK") return this.events.refused(line);
        this.phase = Phase.Chatting;
        this.write("RESUMABLE");
        this.events.loggedIn(this.token === null ? null : "reconnected; what was said meanwhile was missed");
        this.token = null;
        return this.flush();
      case Phase.Resuming:
        if (verb === "RESUMED") {
          this.token = second!;
          this.received = 0;
          this.phase = Phase.Chatting;
          this.events.resumed();
          return this.flush();
        }
        // The node holding the session did not answer (a cluster's): it may
        // yet; asked again on a new connection, until it is known to be gone.
        if (line === "ERR resume-refused unavailable") return void this.socket!.destroy();
        // Refused (the grace was over, or too much was missed): log in afresh.
        this.phase = Phase.LoggingIn;
        return this.write(`LOGIN ${this.user}`);
      case Phase.Chatting:
        if (verb === "TOKEN" && this.token === null) {
          this.token = first!;
          this.received = 0;
          return;
        }
        // A server without resuming answers RESUMABLE so: nothing for the user.
        if (this.token === null && (line === "ERR unknown-command RESUMABLE" || line === "ERR resume-refused disabled")) return;
        this.received++;
        return this.events.line(line);
    }
  }

  private flush(): void {
    for (const line of this.pending.splice(0)) this.write(line);
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket || this.phase === Phase.Closed) return;
    const resumable = this.token !== null && !this.quitting && !FINAL.has(this.lastLine);
    if (!resumable || this.phase === Phase.LoggingIn) return this.finish();
    if (this.phase === Phase.Chatting) {
      this.phase = Phase.Resuming;
      this.lostAt = Date.now();
      this.events.reconnecting(null);
    }
    this.retry(0);
  }

  private retry(attempt: number): void {
    const delay = RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!;
    if (Date.now() + delay - this.lostAt > GIVE_UP_MS) return this.finish();
    setTimeout(() => {
      if (this.phase === Phase.Closed) return;
      connect(this.options).then(
        (socket) => {
          this.attach(socket);
          this.write(`RESUME ${this.token} ${this.received}`);
        },
        (error: NodeJS.ErrnoException) => {
          if (attempt % 4 === 0) this.events.reconnecting(describeFailure(error));
          this.retry(attempt + 1);
        },
      );
    }, delay).unref();
  }

  private finish(): void {
    this.phase = Phase.Closed;
    this.socket?.destroy();
    this.events.closed(this.quitting);
  }
}

import { LATER, type Budgeted, type CommandDispatcher } from "./commands";
import type { PluginHooks } from "./hooks";
import type { ClockPort, Timer } from "./ports/clock.port";
import type { Outgoing } from "./events";
import { ResumeLog, type Replay } from "./resume-log";
import type { Member } from "./member";
import type { LoggerPort } from "./ports/logger.port";
import type { MetricsPort } from "./ports/metrics.port";
import type { Connection, ConnectionHandler } from "./ports/transport.port";
import { error, type CommandInput, type ErrorReply, type Farewell, type Reply } from "./language";
import type { CoreSettings } from "./settings";
import type { Turns } from "./turns";

/** Flood control's constants, derived once from the settings (GCRA). */
export interface FloodBudget {
  /** Off when the rate or the burst is 0. */
  readonly limited: boolean;
  /** Milliseconds one line of budget takes to come back. */
  readonly intervalMs: number;
  /** How far ahead of now the bucket may be full again: a burst's worth, less one line. */
  readonly toleranceMs: number;
}

export function floodBudget({ rateLimitPerSecond, rateBurst }: CoreSettings): FloodBudget {
  const intervalMs = 1000 / rateLimitPerSecond;
  return { limited: rateLimitPerSecond > 0 && rateBurst > 0, intervalMs, toleranceMs: (rateBurst - 1) * intervalMs };
}

/**
 * The output one connection may be given in one event-loop turn before the
 * server stops taking input until the next turn: a quarter of the send
 * queue, so that a burst alone never fills a reader's queue.
 */
export function turnOutputLimit({ maxSendQueueBytes }: CoreSettings): number {
  return Math.floor(maxSendQueueBytes / 4);
}

/** What every session shares; one object, so that a session carries one reference. */
export interface SessionServices {
  readonly clock: ClockPort;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  readonly settings: CoreSettings;
  readonly flood: FloodBudget;
  /** See turnOutputLimit. */
  readonly turnOutputLimit: number;
  readonly commands: CommandDispatcher;
  readonly hooks: PluginHooks;
  readonly turns: Turns;
  /** Stops delivering to a logged-in session that is closing; its name stays claimed until it leaves. */
  withdraw(session: Session): void;
  /** Takes a logged-in session out of the room: exactly once per login. */
  leave(session: Session, reason: string): void;
  /** The connection is gone; forget the session. */
  closed(session: Session): void;
  /** A resumable session's connection dropped: it waits for a resume (or the end of its grace). */
  detached(session: Session): void;
  /** A session that waited for a resume is over: the place its connection held in the connection limits is free. */
  vacate(session: Session): void;
}

const enum State {
  Open,
  Closing,
  Closed,
  /** Its connection dropped while resumable: it keeps its name and goes on recording what it is sent, for a resume. */
  Detached,
}

const SEND_QUEUE_EXCEEDED: Farewell = Object.freeze(error("send-queue-exceeded"));
const IDLE_TIMEOUT: Farewell = Object.freeze(error("idle-timeout"));
const USERNAME_TAKEN: Farewell = Object.freeze(error("username-taken"));
const LF = 0x0a;

/** The lines in `bytes` of a door that speaks lines: what a resume counts. */
function linesIn(bytes: Uint8Array): number {
  let lines = 0;
  for (let at = bytes.indexOf(LF); at !== -1; at = bytes.indexOf(LF, at + 1)) lines++;
  return lines;
}

/**
 * Lines one connection may have handled before it yields to the others
 * (and output is flushed): a client pipelining thousands of lines, with
 * flood control off, must not hold the event loop for seconds.
 */
const MAX_LINES_PER_TURN = 100;

/**
 * One client connection: reads lines within its flood budget, runs them
 * through the commands one at a time and in order, watches for idleness and
 * for output piling up, and leaves the room exactly once however the
 * connection ends.
 */
export class Session implements Member, ConnectionHandler, Budgeted {
  private name: string | null = null;
  private member = false;
  /** Logged in by the command running now; the login hooks run once it is done. */
  private loginHooksDue = false;
  private state = State.Open;
  /** Input is on hold: a command is running, or the line budget is spent. */
  private held = false;
  /**
   * The transport was asked to stop reading, because input came while on
   * hold; it reads again only once every line received has been handled, so
   * that what waits is in the kernel (and slows the sender), not here.
   */
  private paused = false;
  /** A command taken from the connection that waits for budget. */
  private stalled: CommandInput | ErrorReply | null = null;
  /** A costly command, paid for, that waits for a turn with room for it (Turns.spendCostly). */
  private later: CommandInput | null = null;
  private inputEnded = false;
  private reasonClosed: string | null = null;
  private lastActivity: number;
  private idleTimer: Timer | null = null;
  private budgetTimer: Timer | null = null;
  /**
   * Flood control as a token bucket in one number (GCRA): the time at which
   * the bucket would be full again. A line may pass while that is no more
   * than a burst's worth of intervals ahead of now.
   */
  private budgetFullAt: number;
  /** The turn in which lines were last handled, and how many. */
  private turn = -1;
  private linesThisTurn = 0;
  /** The turn in which this client was last sent output, and how many bytes. */
  private outputTurn = -1;
  private outputThisTurn = 0;
  /** What it was sent since its resume token was issued, while it is resumable. */
  private log: ResumeLog | null = null;
  /**
   * Events for this user that came while its login hooks ran (the history
   * being read from Redis, say): sent once they are done, so that what the
   * hooks reply comes right after `OK`, before anything else. Counted
   * against the send queue.
   */
  private heldEvents: Outgoing[] | null = null;
  private heldBytes = 0;

  constructor(
    readonly id: number,
    private readonly connection: Connection,
    private readonly services: SessionServices,
  ) {
    const { settings, clock } = services;
    this.lastActivity = this.budgetFullAt = clock.now();
    if (settings.idleTimeoutMs > 0) this.armIdleTimer(settings.idleTimeoutMs);
    services.logger.info({ conn: id, remote: connection.remoteAddress }, "connection opened");
  }

  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }

  get username(): string | null {
    return this.name;
  }

  get isOpen(): boolean {
    return this.state === State.Open;
  }

  /** Its connection dropped and it waits for a resume: it still holds its connection's place in the limits. */
  get waitingForResume(): boolean {
    return this.state === State.Detached;
  }

  /** Why the connection ended (or is ending); "open" while it is not. */
  get closeReason(): string {
    return this.reasonClosed ?? "open";
  }

  get wantsLogins(): boolean {
    return this.connection.renderer.showsLogins;
  }

  reply(reply: Reply | string): void {
    if (this.takesReplies) this.answer(typeof reply === "string" ? { kind: "text", text: reply } : reply, false);
  }

  replyLines(lines: readonly string[]): void {
    if (lines.length > 0) this.reply(lines.join("\n"));
  }

  /** A reply in the connection's words, sent (and kept for a resume); some doors answer later, by themselves. */
  private answer(reply: Reply, farewell: boolean): void {
    const bytes = this.connection.encodeReply(reply, farewell);
    if (bytes !== null) this.send(bytes, linesIn(bytes));
  }

  /** Open, or waiting for a resume (its replies are kept for it): a closed session's are not even encoded. */
  private get takesReplies(): boolean {
    return this.state === State.Open || this.state === State.Detached;
  }

  /** Lines of the line protocol, as they are (a replay): sent like replies. */
  replay({ bytes, lines }: Replay): void {
    if (lines > 0) this.send(bytes, lines);
  }

  evict(): void {
    // One waiting for a resume has nobody to say it to: it leaves, and its token goes with it.
    if (this.state === State.Detached) return this.expire();
    this.end("evicted", USERNAME_TAKEN);
  }

  /** An event for this user, in its connection's protocol (if shown there at all); recorded while resumable. */
  deliver(event: Outgoing): void {
    const log = this.log;
    if (this.state === State.Open) {
      const bytes = event.bytesFor(this.connection.renderer);
      if (bytes === null) return;
      if (this.heldEvents !== null) return this.holdEvent(event, bytes.byteLength);
      if (!this.transmit(bytes, event.lines, true)) return;
    } else if (this.state !== State.Detached) {
      return;
    }
    if (log === null) return;
    const kept = event.bytesFor(this.connection.resumeRenderer);
    if (kept !== null) log.record(kept, event.lines);
  }

  /** Resumable from now on: what it is sent is kept (at most `capacityBytes`), numbered from the next line. */
  keepLog(capacityBytes: number): void {
    this.log = new ResumeLog(capacityBytes);
  }

  /** What it was sent, for a resume; null when not resumable. */
  get resumeLog(): ResumeLog | null {
    return this.log;
  }

  /** A new connection resumed this session: this one goes without a word, its name and groups now the other's. */
  handOver(): void {
    this.member = false;
    this.log = null;
    if (this.state === State.Detached) {
      this.state = State.Closed;
      this.services.vacate(this);
    } else if (this.state === State.Open) {
      // Its connection may still be open (a phone on another network resumed before this one timed out).
      this.state = State.Closing;
      this.reasonClosed = "resumed";
      this.cancelTimers();
      this.connection.destroy();
    }
  }

  /** Takes over a session that was resumed on this connection: its name, and the user it is. */
  adopt(username: string): void {
    this.name = username;
    this.member = true;
  }

  /** Nobody resumed it within the grace: it leaves as it would have when its connection dropped. */
  expire(): void {
    if (this.state !== State.Detached) return;
    this.state = State.Closed;
    this.log = null;
    this.services.vacate(this);
    this.safely(this.leaveRoom);
  }

  end(reason: string, farewell?: Farewell): void {
    this.beginClose(reason, farewell);
    this.finishClose();
  }

  /**
   * First half of `end`: the farewell goes out and the session stops taking
   * input and output. Shutdown runs this on every session before any of
   * them leaves, so that nobody local is told about the others leaving.
   */
  beginClose(reason: string, farewell?: Farewell): void {
    if (this.state !== State.Open) return;
    if (farewell !== undefined) this.answer(farewell, true);
    if (this.state !== State.Open) return; // the farewell itself overflowed the send queue
    this.state = State.Closing;
    this.heldEvents = null;
    this.reasonClosed = reason;
    this.cancelTimers();
    this.withdraw();
  }

  /** Second half of `end`: leaves the room and closes the connection. */
  finishClose(): void {
    if (this.state !== State.Closing) return;
    this.leaveRoom();
    this.connection.close();
  }

  /** Drops the connection without flushing; for a shutdown past its grace period. */
  destroy(): void {
    this.connection.destroy();
  }

  /** A costly command takes more of the flood budget (the next lines wait longer), once this turn has room for it. */
  charge(lines: number): boolean {
    const { clock, flood, turns } = this.services;
    if (!turns.spendCostly(lines)) return false;
    if (flood.limited) this.budgetFullAt = Math.max(this.budgetFullAt, clock.now()) + lines * flood.intervalMs;
    return true;
  }

  /** Called by the room when a LOGIN succeeds. */
  joined(username: string, runLoginHooks: boolean): void {
    this.name = username;
    this.member = true;
    this.loginHooksDue = runLoginHooks;
    // From now (the OK is a reply, and goes first) until the hooks are done.
    if (runLoginHooks) this.heldEvents = [];
  }

  onInput(): void {
    if (this.state !== State.Open) return;
    if (!this.held) {
      this.safely(this.processInput);
    } else if (!this.paused) {
      // On hold and more is coming: let it wait in the kernel, not here.
      this.paused = true;
      this.connection.pauseReading();
    }
  }

  onEnd(): void {
    this.inputEnded = true;
    if (!this.held && this.state === State.Open) this.safely(this.processInput);
  }

  onClose(error?: Error): void {
    if (this.state === State.Closed || this.state === State.Detached) return;
    if (this.state === State.Open && this.resumable) return this.detach(error);
    const reason = (this.reasonClosed ??= error === undefined ? "client-closed" : "error");
    this.state = State.Closed;
    this.heldEvents = null;
    this.cancelTimers();
    this.safely(this.leaveRoom);
    this.services.logger.info(
      { conn: this.id, user: this.name, reason, ...(error && { error: error.message }) },
      "connection closed",
    );
    this.services.closed(this);
  }

  /** Logged in and asked for a token: a connection lost without QUIT is a drop it may come back from. */
  private get resumable(): boolean {
    return this.log !== null && this.member;
  }

  /**
   * The client sent all it ever will (FIN), and every line of it has been
   * answered. A resumable session takes this as a drop, as it would a reset:
   * a client killed, or a socket closed without QUIT, comes back with
   * RESUME. Any other leaves, as after QUIT. Either way the connection is
   * closed from here, after what it was sent.
   */
  private inputDone(): void {
    if (!this.resumable) return this.end("client-closed");
    this.detach();
    this.connection.close();
  }

  /**
   * A resumable session's connection dropped (not QUIT, not a timeout or a
   * kick: those close it from here): nobody is told, its name stays, and
   * what it is sent is recorded until it is resumed or its grace ends.
   */
  private detach(error?: Error): void {
    this.state = State.Detached;
    // What waited for the login hooks was sent to it before what comes next: recorded first.
    this.sendHeldEvents();
    this.cancelTimers();
    this.services.logger.info({ conn: this.id, user: this.name, ...(error && { error: error.message }) }, "connection dropped, resumable");
    this.reasonClosed = error === undefined ? "client-closed" : "error";
    this.services.closed(this);
    this.services.detached(this);
  }

  /**
   * Runs one step of this session for an outside event (data, a timer).
   * Whatever goes wrong in it is this connection's problem only: it is
   * dropped, and the server and every other connection go on.
   */
  private safely(step: (this: Session) => void): void {
    try {
      step.call(this);
    } catch (error) {
      this.services.logger.error({ conn: this.id, user: this.name, err: error }, "session failed");
      this.abort("error");
    }
  }

  private processInput(): void {
    const { clock, commands, flood } = this.services;
    const now = clock.now();
    const turn = this.services.turns.now();
    if (turn !== this.turn) {
      this.turn = turn;
      this.linesThisTurn = 0;
    }
    let handled = 0;
    for (; !this.held && this.state === State.Open; handled++, this.linesThisTurn++) {
      if (this.linesThisTurn >= MAX_LINES_PER_TURN || this.services.turns.saturated) {
        this.yieldTurn();
        break;
      }
      const later = this.later;
      const input = later ?? this.stalled ?? this.connection.nextCommand();
      if (input === null) {
        // Everything received has been handled: only now take more.
        if (this.paused) {
          this.paused = false;
          this.connection.resumeReading();
        }
        break;
      }
      if (flood.limited && later === null) {
        const fullAt = Math.max(this.budgetFullAt, now);
        if (fullAt - now > flood.toleranceMs) {
          this.stalled = input;
          this.waitForBudget(fullAt - flood.toleranceMs - now);
          break;
        }
        this.budgetFullAt = fullAt + flood.intervalMs;
      }
      this.stalled = null;
      this.later = null;
      this.lastActivity = now;
      if ("kind" in input) {
        this.reply(input);
        this.connection.commandHandled?.();
        continue;
      }
      const running = commands.dispatch(this, input);
      if (running === LATER) {
        this.later = input;
        this.yieldTurn();
        break;
      }
      if (running !== undefined) this.waitForCommand(running);
      else if (this.loginHooksDue) this.runLoginHooks();
      else this.connection.commandHandled?.();
    }
    if (handled > 0) this.services.metrics.linesReceived(handled);
    if (this.inputEnded && !this.held && this.state === State.Open) this.inputDone();
  }

  /**
   * Over budget: stop taking lines, and reading, so that the flooder's lines
   * wait in the kernel (and TCP slows the flooder); go on once a line's worth
   * of budget is back. Nothing is dropped.
   */
  private waitForBudget(delayMs: number): void {
    this.hold();
    this.budgetTimer = this.services.clock.schedule(Math.ceil(delayMs), () => {
      this.budgetTimer = null;
      this.release();
    });
  }

  /** Lets the other connections (and the output of this turn) go first. */
  private yieldTurn(): void {
    this.hold();
    this.services.clock.defer(() => this.release());
  }

  /** A command is still running: its client's next lines wait for it. */
  private waitForCommand(running: Promise<void>): void {
    this.hold();
    void running.then(() => {
      if (this.loginHooksDue && this.state === State.Open) return this.runLoginHooks();
      this.connection.commandHandled?.();
      this.release();
    });
  }

  /** After the LOGIN has answered: the plugins' login hooks, before the connection's next line and the events that come meanwhile. */
  private runLoginHooks(): void {
    this.loginHooksDue = false;
    this.hold();
    void this.services.hooks.runLogin({ session: this, username: this.name! }).then(() => {
      this.sendHeldEvents();
      this.connection.commandHandled?.();
      this.release();
    });
  }

  /** The events held while the login hooks ran, in order: sent (or, once the connection dropped, recorded). */
  private sendHeldEvents(): void {
    const held = this.heldEvents ?? [];
    this.heldEvents = null;
    this.heldBytes = 0;
    for (const event of held) this.deliver(event);
  }

  /** An event that came while the login hooks run: it waits for them, within the send queue's limit. */
  private holdEvent(event: Outgoing, length: number): void {
    if (this.overflows(length)) return;
    this.heldEvents!.push(event);
    this.heldBytes += length;
  }

  /** Whether `length` more bytes would pass the send-queue limit (what waits, held events included): then the client is dropped. */
  private overflows(length: number): boolean {
    const pending = this.connection.pendingBytes + this.heldBytes;
    if (pending + length <= this.services.settings.maxSendQueueBytes) return false;
    this.services.logger.info({ conn: this.id, user: this.name, pending, line: length }, "send queue exceeded");
    this.abort("send-queue", SEND_QUEUE_EXCEEDED);
    return true;
  }

  /**
   * Stops taking lines. Reading stops only if more input arrives meanwhile:
   * most holds (a LOGIN waiting for its claim) end before the client sends
   * anything else, and pausing and resuming a socket costs more than they do.
   */
  private hold(): void {
    this.held = true;
  }

  /** Goes on with the lines held; reading resumes once they are all handled (processInput). */
  private release(): void {
    this.held = false;
    if (this.state !== State.Open) return;
    this.safely(this.processInput);
  }

  /**
   * A reply, recorded while resumable: also once the connection dropped (the
   * answer to a command that was running then is missed like any line).
   */
  private send(bytes: Uint8Array, lines: number): void {
    if (this.state === State.Open ? this.transmit(bytes, lines, false) : this.state === State.Detached) this.log?.record(bytes, lines);
  }

  /**
   * Every byte for this client goes through here. A client whose output
   * would pass the send-queue limit (what waits for it in this process,
   * this turn's included) is dropped instead, so that it costs bounded
   * memory and slows nobody else down. A client given a turn's share of
   * output makes the server stop taking input until that output is written
   * (Turns.saturate), so that a burst alone never drops a client that reads.
   */
  private transmit(bytes: Uint8Array, lines: number, rendered: boolean): boolean {
    const { services, connection } = this;
    const length = bytes.byteLength;
    if (this.overflows(length)) return false;
    if (rendered) connection.sendRendered(bytes);
    else connection.send(bytes);
    services.metrics.linesSent(lines);
    const turn = services.turns.now();
    if (turn !== this.outputTurn) {
      this.outputTurn = turn;
      this.outputThisTurn = 0;
    }
    if ((this.outputThisTurn += length) > services.turnOutputLimit) services.turns.saturate();
    return true;
  }

  /** Drops the connection now, its queued output with it; also when a graceful close failed half-way. */
  private abort(reason: string, farewell?: Farewell): void {
    if (this.state === State.Closed) return;
    this.state = State.Closing;
    this.heldEvents = null;
    this.reasonClosed = reason;
    this.cancelTimers();
    this.withdraw();
    this.connection.destroy(farewell);
    // Leaving tells the others, and this may be the middle of a broadcast
    // to them: let it finish first, so that they get its line before the INFO.
    queueMicrotask(() => this.safely(this.leaveRoom));
  }

  /**
   * A closing session takes no more lines. At shutdown this matters: with
   * every session withdrawn first, each leaving is announced to nobody
   * instead of being offered to every other closing session.
   */
  private withdraw(): void {
    if (this.member) this.services.withdraw(this);
  }

  private leaveRoom(): void {
    if (!this.member) return;
    this.member = false;
    this.services.leave(this, this.reasonClosed ?? "client-closed");
  }

  private armIdleTimer(delayMs: number): void {
    this.idleTimer = this.services.clock.schedule(delayMs, () => this.safely(this.checkIdle));
  }

  /** One timer per session, re-armed lazily: activity only records a time. */
  private checkIdle(): void {
    this.idleTimer = null;
    if (this.state !== State.Open) return;
    const remaining = this.services.settings.idleTimeoutMs - (this.services.clock.now() - this.lastActivity);
    if (remaining > 0) {
      this.armIdleTimer(remaining);
      return;
    }
    this.end("idle", IDLE_TIMEOUT);
  }

  private cancelTimers(): void {
    this.idleTimer?.cancel();
    this.idleTimer = null;
    this.budgetTimer?.cancel();
    this.budgetTimer = null;
  }
}

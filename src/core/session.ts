import { LATER, type Budgeted, type CommandDispatcher } from "./commands";
import type { PluginHooks } from "./hooks";
import type { ClockPort, Timer } from "./ports/clock.port";
import { Outgoing } from "./events";
import { ResumeLog, type Kept, type Replay } from "./resume-log";
import type { Member } from "./member";
import type { LoggerPort } from "./ports/logger.port";
import type { Profile } from "./ports/profiles.port";
import type { MetricsPort } from "./ports/metrics.port";
import type { Connection, ConnectionHandler } from "./ports/transport.port";
import { error, type CommandInput, type ErrorReply, type Farewell, type Reply, type SaidBefore } from "./language";
import type { CoreSettings } from "./settings";
import type { Turns } from "./turns";
import { FloodBudget, type FloodRate } from "./session/flood-budget";
import { IdleWatch, type IdleListener, type IdleWatchServices } from "./session/idle-watch";
import { LoginHold } from "./session/login-hold";
import { OutputGuard, type OutputLimits } from "./session/output-guard";
import { Replayed, REPLAYED_WATCH_MS } from "./session/replayed";

/**
 * The output one connection may be given in one event-loop turn before the
 * server stops taking input until the next turn: a quarter of the send
 * queue, so that a burst alone never fills a reader's queue.
 */
export function turnOutputLimit({ maxSendQueueBytes }: CoreSettings): number {
  return Math.floor(maxSendQueueBytes / 4);
}

/** What every session shares; one object, so that a session (and each of its parts) carries one reference. */
export interface SessionServices extends IdleWatchServices, OutputLimits {
  readonly clock: ClockPort;
  readonly logger: LoggerPort;
  readonly metrics: MetricsPort;
  readonly settings: CoreSettings;
  readonly flood: FloodRate;
  /** See turnOutputLimit. */
  readonly turnOutputLimit: number;
  readonly commands: CommandDispatcher;
  readonly hooks: PluginHooks;
  readonly turns: Turns;
  /** Stops delivering to a logged-in session that is closing; its name stays claimed until it leaves. */
  withdraw(session: Session): void;
  /** Takes a logged-in session out of the room: exactly once per login (`message`: its words on leaving). */
  leave(session: Session, reason: string, message: string | undefined): void;
  /** The connection is gone; forget the session. */
  closed(session: Session): void;
  /** A resumable session's connection dropped: it waits for a resume (or the end of its grace). */
  detached(session: Session): void;
  /** A session that waited for a resume is over: the place its connection held in the connection limits is free. */
  vacate(session: Session): void;
  /** Its door changed whether it hears everyone or is invisible (see ConnectionHandler.onModeChange). */
  modeChanged(session: Session, words: string | undefined): void;
}

/** The session's life, as its connection's. */
const enum Life {
  Open,
  /** Ending: it takes no more lines and is sent nothing more (but a farewell, if it has one); its connection closes. */
  Closing,
  Closed,
  /** Its connection dropped while resumable: it keeps its name and goes on recording what it is sent, for a resume. */
  Detached,
}

/** Where the session stands with the room. */
const enum Membership {
  /** Not logged in. */
  Guest,
  /** Logged in (or resumed): in the room, which it leaves exactly once. */
  Joined,
  /** Left the room, or handed its name over to the session that resumed it: there is nothing more to leave. */
  Left,
}

/** Where the client's input stands: whether a line that arrives is taken at once, waits, or cannot come at all. */
const enum Input {
  /** Lines are taken as they arrive. */
  Reading,
  /**
   * Lines wait: a command is running, the flood budget is spent, or the
   * turn was yielded to the other connections. The transport still reads:
   * most holds (a LOGIN waiting for its claim) end before the client sends
   * anything else, and pausing and resuming a socket costs more than they do.
   */
  Held,
  /**
   * Input arrived while held: the transport was asked to stop reading, and
   * reads again only once every line received has been handled, so that
   * what waits is in the kernel (and slows the sender), not here. A hold
   * that comes before then leaves it paused.
   */
  Paused,
  /**
   * The client sent all it ever will (FIN): once every line of it has been
   * handled, holds included, the connection ends (see inputDone). There is
   * nothing left to read, so reading is neither paused nor resumed.
   */
  Ended,
}

const SEND_QUEUE_EXCEEDED: Farewell = Object.freeze(error("send-queue-exceeded"));
const IDLE_TIMEOUT: Farewell = Object.freeze(error("idle-timeout"));
const USERNAME_TAKEN: Farewell = Object.freeze(error("username-taken"));
const NOTHING_HELD: readonly Outgoing[] = Object.freeze([]);
const LF = 0x0a;

/** The ids of the messages of a history (those kept with one). */
function* idsOf(messages: readonly SaidBefore[]): Iterable<string> {
  for (const { id } of messages) if (id !== undefined) yield id;
}

/** `bytes` from the line after the first `lines` on. */
function afterLines(bytes: Uint8Array, lines: number): Uint8Array {
  let start = 0;
  for (let skipped = 0; skipped < lines; skipped++) start = bytes.indexOf(LF, start) + 1;
  return bytes.subarray(start);
}

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
export class Session implements Member, ConnectionHandler, Budgeted, IdleListener {
  private name: string | null = null;
  private membership = Membership.Guest;
  private life = Life.Open;
  private input = Input.Reading;
  /** A command taken from the connection that waits for budget. */
  private stalled: CommandInput | ErrorReply | null = null;
  /** A costly command, paid for, that waits for a turn with room for it (Turns.spendCostly). */
  private later: CommandInput | null = null;
  private reasonClosed: string | null = null;
  /** What the user said on leaving (QUIT's reason), for the others. */
  private leavingWords: string | undefined;
  /** What others see of the user (the room records it). */
  profile: Profile | undefined;
  account: string | null = null;
  renaming = false;
  private budgetTimer: Timer | null = null;
  private readonly budget: FloodBudget;
  private readonly idle: IdleWatch;
  private readonly output: OutputGuard;
  /** The turn in which lines were last handled, and how many. */
  private turn = -1;
  private linesThisTurn = 0;
  /** What it was sent since its resume token was issued, while it is resumable. */
  private log: ResumeLog | null = null;
  /** From a LOGIN that has login hooks to run until they are done. */
  private loginHold: LoginHold | null = null;
  /** The messages its login's history showed, watched for a while so that none comes live a second time. */
  private replayed: Replayed | null = null;

  constructor(
    readonly id: number,
    private readonly connection: Connection,
    private readonly services: SessionServices,
  ) {
    const now = services.clock.now();
    this.budget = new FloodBudget(services.flood, now);
    this.idle = new IdleWatch(services, this, now);
    this.output = new OutputGuard(connection, services);
    services.logger.info({ conn: id, remote: connection.remoteAddress }, "connection opened");
  }

  get remoteAddress(): string {
    return this.connection.remoteAddress;
  }

  get username(): string | null {
    return this.name;
  }

  get isOpen(): boolean {
    return this.life === Life.Open;
  }

  /** Its connection dropped and it waits for a resume: it still holds its connection's place in the limits. */
  get waitingForResume(): boolean {
    return this.life === Life.Detached;
  }

  /** Why the connection ended (or is ending); "open" while it is not. */
  get closeReason(): string {
    return this.reasonClosed ?? "open";
  }

  get protocol(): string {
    return this.connection.codec.protocol;
  }

  get secure(): boolean {
    return this.connection.secure;
  }

  get realname(): string | undefined {
    return this.connection.codec.realname;
  }

  get ident(): string | undefined {
    return this.connection.codec.ident;
  }

  get doorAccount(): string | undefined {
    return this.connection.account;
  }

  get wantsLogins(): boolean {
    return this.connection.renderer.showsLogins;
  }

  get hearsEveryone(): boolean {
    return this.connection.codec.hearsEveryone !== false;
  }

  get invisible(): boolean {
    return this.connection.codec.invisible === true;
  }

  reply(reply: Reply | string): void {
    if (!this.takesReplies) return;
    if (typeof reply === "string") return this.answer({ kind: "text", text: reply }, false);
    // A history replayed at login: what it shows is not shown twice, held meanwhile or still on its way (see Replayed).
    if (reply.kind === "history" && this.loginHold !== null) {
      (this.replayed ??= new Replayed(this.services.clock.now() + REPLAYED_WATCH_MS)).add(idsOf(reply.messages));
    }
    this.answer(reply, false);
  }

  replyLines(lines: readonly string[]): void {
    if (lines.length > 0) this.reply(lines.join("\n"));
  }

  /** A reply in the connection's words, sent (and kept for a resume); some doors answer later, by themselves. */
  private answer(reply: Reply, farewell: boolean): void {
    const bytes = this.connection.codec.encodeReply(reply, farewell);
    if (bytes !== null) this.send(bytes, linesIn(bytes));
  }

  /** Open, or waiting for a resume (its replies are kept for it): a closed session's are not even encoded. */
  private get takesReplies(): boolean {
    return this.life === Life.Open || this.life === Life.Detached;
  }

  /**
   * What a resumed session missed, its events rendered for this
   * connection's door (the door it was made on speaks the same protocol),
   * from where the client had got to; sent in one write, like replies, and
   * kept again, for a resume of this one.
   */
  replay({ items, skip }: Replay): void {
    const renderer = this.connection.codec.resumeRenderer;
    const parts: Uint8Array[] = [];
    const kept: [Kept, number, number][] = [];
    let lines = 0;
    let cut = skip;
    for (const item of items) {
      let bytes = item instanceof Uint8Array ? item : new Outgoing(item).bytesFor(renderer);
      if (bytes === null) continue;
      // Of an item the client had in part, what is left of it is kept as it was shown.
      const cutShort = cut > 0;
      if (cutShort) bytes = afterLines(bytes, cut);
      cut = 0;
      const itemLines = linesIn(bytes);
      parts.push(bytes);
      kept.push([cutShort ? bytes : item, itemLines, bytes.byteLength]);
      lines += itemLines;
    }
    if (lines === 0 || !this.sent(Buffer.concat(parts), lines)) return;
    for (const [item, itemLines, size] of kept) this.log?.record(item, itemLines, size);
  }

  evict(): void {
    // One waiting for a resume has nobody to say it to: it leaves, and its token goes with it.
    if (this.life === Life.Detached) return this.expire();
    this.end("evicted", USERNAME_TAKEN);
  }

  /** An event for this user, in its connection's protocol (if shown there at all); recorded while resumable. */
  deliver(event: Outgoing): void {
    if (this.replayed !== null && this.shownAlready(event)) return;
    const log = this.log;
    if (this.life === Life.Open) {
      const bytes = event.bytesFor(this.connection.renderer);
      if (bytes === null) return;
      if (this.loginHold !== null) return this.holdEvent(event, bytes.byteLength);
      if (!this.transmit(bytes, event.lines, true)) return;
    } else if (this.life !== Life.Detached) {
      return;
    }
    if (log === null) return;
    const shown = event.bytesFor(this.connection.codec.resumeRenderer);
    if (shown !== null) log.record(event.event, event.lines, shown.byteLength);
  }

  /** Whether `event` is a message its login's history showed (see Replayed); the watch ends when it is over. */
  private shownAlready({ event }: Outgoing): boolean {
    const replayed = this.replayed!;
    if (replayed.over(this.services.clock.now())) {
      this.replayed = null;
      return false;
    }
    return event.type === "message" && replayed.take(event.id);
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
    this.membership = Membership.Left;
    this.log = null;
    if (this.life === Life.Detached) {
      this.life = Life.Closed;
      this.services.vacate(this);
    } else if (this.life === Life.Open) {
      // Its connection may still be open (a phone on another network resumed before this one timed out).
      this.closing("resumed");
      this.connection.destroy();
    }
  }

  /** Takes over a session that was resumed on this connection: its name, and the user it is. */
  adopt(username: string): void {
    this.name = username;
    this.membership = Membership.Joined;
  }

  /** Called by the room when a rename succeeds. */
  renamed(username: string): void {
    this.name = username;
  }

  /** Nobody resumed it within the grace: it leaves as it would have when its connection dropped. */
  expire(): void {
    if (this.life !== Life.Detached) return;
    this.life = Life.Closed;
    this.log = null;
    this.services.vacate(this);
    this.safely(this.leaveRoom);
  }

  end(reason: string, farewell?: Farewell, message?: string): void {
    if (this.life === Life.Open && message !== undefined && message !== "") this.leavingWords = message;
    this.beginClose(reason, farewell);
    this.finishClose();
  }

  /**
   * First half of `end`: the farewell goes out and the session stops taking
   * input and output. Shutdown runs this on every session before any of
   * them leaves, so that nobody local is told about the others leaving.
   */
  beginClose(reason: string, farewell?: Farewell): void {
    if (this.life !== Life.Open) return;
    if (farewell !== undefined) this.answer(farewell, true);
    if (this.life !== Life.Open) return; // the farewell itself overflowed the send queue
    this.closing(reason);
  }

  /** Second half of `end`: leaves the room and closes the connection. */
  finishClose(): void {
    if (this.life !== Life.Closing) return;
    this.leaveRoom();
    this.connection.close();
  }

  /** Drops the connection without flushing; for a shutdown past its grace period. */
  destroy(): void {
    this.connection.destroy();
  }

  /** A costly command takes more of the flood budget (the next lines wait longer), once this turn has room for it. */
  charge(lines: number): boolean {
    const { clock, turns } = this.services;
    if (!turns.spendCostly(lines)) return false;
    this.budget.charge(lines, clock.now());
    return true;
  }

  /** Called by the room when a LOGIN succeeds. */
  joined(username: string, runLoginHooks: boolean): void {
    this.name = username;
    this.membership = Membership.Joined;
    // From now (the OK is a reply, and goes first) until the hooks are done.
    if (runLoginHooks) this.loginHold = new LoginHold();
  }

  onInput(): void {
    if (this.life !== Life.Open) return;
    if (this.input === Input.Reading) this.safely(this.processInput);
    else if (this.input === Input.Held) this.pause();
  }

  onEnd(): void {
    const was = this.input;
    this.input = Input.Ended;
    // Otherwise a hold is on: the lines left are taken once it ends (see release).
    if (was === Input.Reading && this.life === Life.Open) this.safely(this.processInput);
  }

  /** Before login the codec is read at login; once closing, nobody is to be told anything more. */
  onModeChange(words?: string): void {
    if (this.life === Life.Open && this.membership === Membership.Joined) this.services.modeChanged(this, words);
  }

  onClose(error?: Error): void {
    if (this.life === Life.Closed || this.life === Life.Detached) return;
    if (this.life === Life.Open && this.resumable) return this.detach(error);
    const reason = (this.reasonClosed ??= error === undefined ? "client-closed" : "error");
    this.life = Life.Closed;
    this.endLoginHold();
    this.stopTimers();
    this.safely(this.leaveRoom);
    this.services.logger.info(
      { conn: this.id, user: this.name, reason, ...(error && { error: error.message }) },
      "connection closed",
    );
    this.services.closed(this);
  }

  /** Nothing came for the idle timeout (see IdleWatch). */
  idleTimedOut(): void {
    this.safely(this.timeOut);
  }

  private timeOut(): void {
    this.end("idle", IDLE_TIMEOUT);
  }

  /** Logged in and asked for a token: a connection lost without QUIT is a drop it may come back from. */
  private get resumable(): boolean {
    return this.log !== null && this.membership === Membership.Joined;
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
   * Open → Closing (also, when a step failed half-way, from Closing or
   * Detached): no more lines are taken, nothing more is sent, and the room
   * stops delivering to it.
   */
  private closing(reason: string): void {
    this.life = Life.Closing;
    this.reasonClosed = reason;
    this.endLoginHold();
    this.stopTimers();
    this.withdraw();
  }

  /**
   * Open → Detached. A resumable session's connection dropped (not QUIT,
   * not a timeout or a kick: those close it from here): nobody is told, its
   * name stays, and what it is sent is recorded until it is resumed or its
   * grace ends.
   */
  private detach(error?: Error): void {
    this.life = Life.Detached;
    // What waited for the login hooks was sent to it before what comes next: recorded first.
    this.sendHeldEvents();
    this.stopTimers();
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

  /** Takes the lines received, in order, until one must wait (the input is then held), none is left, or the session ends. */
  private processInput(): void {
    const { clock, commands, turns } = this.services;
    const now = clock.now();
    const turn = turns.now();
    if (turn !== this.turn) {
      this.turn = turn;
      this.linesThisTurn = 0;
    }
    let handled = 0;
    let ended = false;
    while (this.life === Life.Open) {
      if (this.linesThisTurn + handled >= MAX_LINES_PER_TURN || turns.saturated) {
        this.yieldTurn();
        break;
      }
      const later = this.later;
      const input = later ?? this.stalled ?? this.connection.codec.nextCommand();
      if (input === null) {
        // Everything received has been handled: only now take more (after a FIN there is no more, and the connection ends).
        if (this.input === Input.Paused) this.resume();
        ended = this.input === Input.Ended;
        break;
      }
      if (later === null && !this.budget.take(now)) {
        this.stalled = input;
        this.waitForBudget(this.budget.waitMs(now));
        break;
      }
      this.stalled = null;
      this.later = null;
      this.idle.active(now);
      if ("kind" in input) {
        // What the door could not read (too long, not UTF-8 ...) is answered, and the next line goes on.
        handled++;
        this.reply(input);
        this.commandDone();
        continue;
      }
      const running = commands.dispatch(this, input);
      if (running === LATER) {
        // Given again in a later turn, and counted then.
        this.later = input;
        this.yieldTurn();
        break;
      }
      handled++;
      if (running !== undefined) {
        this.waitForCommand(running);
        break;
      }
      if (this.loginHold?.due) {
        this.runLoginHooks();
        break;
      }
      this.commandDone();
    }
    this.linesThisTurn += handled;
    if (handled > 0) this.services.metrics.linesReceived(handled);
    if (ended) this.inputDone();
  }

  /**
   * Stops taking lines until `release`. Reading stops only if more input
   * arrives meanwhile (see Input.Held).
   */
  private hold(): void {
    if (this.input === Input.Reading) this.input = Input.Held;
  }

  /** Goes on with the lines held; reading resumes (if it was paused) once they are all handled (processInput). */
  private release(): void {
    if (this.input === Input.Held) this.input = Input.Reading;
    if (this.life !== Life.Open) return;
    this.safely(this.processInput);
  }

  /** Held, and more is coming: let it wait in the kernel, not here. */
  private pause(): void {
    this.input = Input.Paused;
    this.connection.pauseReading();
  }

  /** Every line received while paused has been handled: take more. */
  private resume(): void {
    this.input = Input.Reading;
    this.connection.resumeReading();
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
      if (this.loginHold?.due && this.life === Life.Open) return this.runLoginHooks();
      this.commandDone();
      this.release();
    });
  }

  /** After the LOGIN has answered: the plugins' login hooks, before the connection's next line and the events that come meanwhile. */
  private runLoginHooks(): void {
    this.loginHold!.start();
    this.hold();
    void this.services.hooks.runLogin({ session: this, username: this.name! }).then(() => {
      this.sendHeldEvents();
      this.commandDone();
      this.release();
    });
  }

  /** The events held while the login hooks ran, in order: sent (or, once the connection dropped, recorded). */
  private sendHeldEvents(): void {
    for (const event of this.endLoginHold()) this.deliver(event);
  }

  /** An event that came while the login hooks run: it waits for them, within the send queue's limit. */
  private holdEvent(event: Outgoing, length: number): void {
    if (this.overflows(length)) return;
    this.loginHold!.hold(event);
    this.output.hold(length);
  }

  /** The login hooks are done (or the connection closes): what they held, no longer counted as waiting for the client. */
  private endLoginHold(): readonly Outgoing[] {
    const hold = this.loginHold;
    if (hold === null) return NOTHING_HELD;
    this.loginHold = null;
    this.output.releaseHeld();
    return hold.events;
  }

  /** Whether `length` more bytes would pass the send-queue limit (see OutputGuard): then the client is dropped. */
  private overflows(length: number): boolean {
    if (this.output.fits(length)) return false;
    this.services.logger.info({ conn: this.id, user: this.name, pending: this.output.pending, line: length }, "send queue exceeded");
    this.abort("send-queue", SEND_QUEUE_EXCEEDED);
    return true;
  }

  /**
   * A reply, recorded while resumable: also once the connection dropped (the
   * answer to a command that was running then is missed like any line).
   */
  private send(bytes: Uint8Array, lines: number): void {
    if (this.sent(bytes, lines)) this.log?.record(bytes, lines, bytes.byteLength);
  }

  /** Sent, if the connection is open; else whether it is waiting for a resume (what it missed is kept for it). */
  private sent(bytes: Uint8Array, lines: number): boolean {
    return this.life === Life.Open ? this.transmit(bytes, lines, false) : this.life === Life.Detached;
  }

  /** The command last read is handled: the answer a door gives only then (IRC's) is sent as replies are. */
  private commandDone(): void {
    const answer = this.connection.codec.commandHandled?.() ?? null;
    if (answer !== null) this.send(answer, linesIn(answer));
  }

  /** Every byte for this client goes through here, within the bounds of its output (see OutputGuard). */
  private transmit(bytes: Uint8Array, lines: number, rendered: boolean): boolean {
    const { connection } = this;
    const length = bytes.byteLength;
    if (this.overflows(length)) return false;
    if (rendered) connection.sendRendered(bytes);
    else connection.send(bytes);
    this.services.metrics.linesSent(lines);
    this.output.given(length);
    return true;
  }

  /** Drops the connection now, its queued output with it; also when a graceful close failed half-way. */
  private abort(reason: string, farewell?: Farewell): void {
    if (this.life === Life.Closed) return;
    this.closing(reason);
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
    if (this.membership === Membership.Joined) this.services.withdraw(this);
  }

  private leaveRoom(): void {
    if (this.membership !== Membership.Joined) return;
    this.membership = Membership.Left;
    this.services.leave(this, this.reasonClosed ?? "client-closed", this.leavingWords);
  }

  private stopTimers(): void {
    this.idle.stop();
    this.budgetTimer?.cancel();
    this.budgetTimer = null;
  }
}

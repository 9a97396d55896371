import type { CommandDispatcher } from "./commands";
import type { SessionHandle } from "./plugin-api";
import type { ClockPort, Timer } from "./ports/clock.port";
import type { Recipient } from "./ports/delivery.port";
import type { LoggerPort } from "./ports/logger.port";
import type { Connection, ConnectionHandler } from "./ports/transport.port";
import { LineDecoder } from "./protocol/line-decoder";
import { encodeLine } from "./protocol/text";
import type { CoreSettings } from "./settings";

/** What every session shares; one object, so that a session carries one reference. */
export interface SessionServices {
  readonly clock: ClockPort;
  readonly logger: LoggerPort;
  readonly settings: CoreSettings;
  readonly commands: CommandDispatcher;
  /** Takes a logged-in session out of the room: exactly once per login. */
  leave(session: Session): void;
  /** The connection is gone; forget the session. */
  closed(session: Session): void;
}

const enum State {
  Open,
  Closing,
  Closed,
}

/**
 * One client connection: reads lines, runs them through the commands one at
 * a time and in order, watches for idleness, and leaves the room exactly
 * once however the connection ends.
 */
export class Session implements SessionHandle, Recipient, ConnectionHandler {
  private name: string | null = null;
  private member = false;
  private state = State.Open;
  /** A command is still running; further lines wait for it. */
  private busy = false;
  private inputEnded = false;
  private closeReason: string | null = null;
  private lastActivity: number;
  private idleTimer: Timer | null = null;
  private readonly decoder: LineDecoder;

  constructor(
    readonly id: number,
    private readonly connection: Connection,
    private readonly services: SessionServices,
  ) {
    this.decoder = new LineDecoder(services.settings.maxLineBytes);
    this.lastActivity = services.clock.now();
    if (services.settings.idleTimeoutMs > 0) this.armIdleTimer(services.settings.idleTimeoutMs);
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

  reply(line: string): void {
    if (this.state === State.Open) this.connection.send(encodeLine(line));
  }

  deliver(line: Uint8Array): void {
    if (this.state === State.Open) this.connection.send(line);
  }

  end(reason: string, farewell?: string): void {
    this.beginClose(reason, farewell);
    this.finishClose();
  }

  /**
   * First half of `end`: the farewell goes out and the session stops taking
   * input and output. Shutdown runs this on every session before any of
   * them leaves, so that nobody local is told about the others leaving.
   */
  beginClose(reason: string, farewell?: string): void {
    if (this.state !== State.Open) return;
    if (farewell !== undefined) this.reply(farewell);
    this.state = State.Closing;
    this.closeReason = reason;
    this.cancelIdleTimer();
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

  /** Called by the room when a LOGIN succeeds. */
  joined(username: string): void {
    this.name = username;
    this.member = true;
  }

  onData(chunk: Uint8Array): void {
    if (this.state !== State.Open) return;
    this.decoder.push(chunk);
    this.processInput();
  }

  onEnd(): void {
    this.inputEnded = true;
    if (!this.busy) this.end("client-closed");
  }

  onClose(error?: Error): void {
    if (this.state === State.Closed) return;
    const reason = this.closeReason ?? (error === undefined ? "client-closed" : "error");
    this.state = State.Closed;
    this.cancelIdleTimer();
    this.leaveRoom();
    this.services.logger.info(
      { conn: this.id, user: this.name, reason, ...(error && { error: error.message }) },
      "connection closed",
    );
    this.services.closed(this);
  }

  private processInput(): void {
    const { clock, commands } = this.services;
    while (!this.busy && this.state === State.Open) {
      const line = this.decoder.next();
      if (line === null) break;
      this.lastActivity = clock.now();
      if (typeof line !== "string") {
        this.reply(`ERR ${line.error}`);
        continue;
      }
      const running = commands.dispatch(this, line);
      if (running !== undefined) this.waitFor(running);
    }
    if (this.inputEnded && !this.busy) this.end("client-closed");
  }

  /** Holds further input, in the kernel as well, until the running command is done. */
  private waitFor(running: Promise<void>): void {
    this.busy = true;
    this.connection.pauseReading();
    void running.then(() => {
      this.busy = false;
      if (this.state !== State.Open) return;
      this.connection.resumeReading();
      this.processInput();
    });
  }

  private leaveRoom(): void {
    if (!this.member) return;
    this.member = false;
    this.services.leave(this);
  }

  private armIdleTimer(delayMs: number): void {
    this.idleTimer = this.services.clock.schedule(delayMs, () => this.checkIdle());
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
    this.end("idle", "ERR idle-timeout");
  }

  private cancelIdleTimer(): void {
    this.idleTimer?.cancel();
    this.idleTimer = null;
  }
}

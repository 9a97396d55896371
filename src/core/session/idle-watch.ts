import type { ClockPort, Timer } from "../ports/clock.port";
import type { CoreSettings } from "../settings";

/** What an idle watch needs of the session's services. */
export interface IdleWatchServices {
  readonly clock: ClockPort;
  readonly settings: Pick<CoreSettings, "idleTimeoutMs">;
}

/** Who is told that a connection has been idle for the whole timeout. */
export interface IdleListener {
  idleTimedOut(): void;
}

/**
 * Notices a connection that sent nothing for the idle timeout (none when it
 * is 0). One timer per connection, re-armed lazily: a line only records its
 * time, and the timer, when it fires, waits again for whatever is left of
 * the timeout since the last line. A client sending thousands of lines a
 * second costs no timer for each.
 */
export class IdleWatch {
  private lastActivity: number;
  private timer: Timer | null = null;

  /** Starts watching a connection that opened at `now`. */
  constructor(
    private readonly services: IdleWatchServices,
    private readonly listener: IdleListener,
    now: number,
  ) {
    this.lastActivity = now;
    const { idleTimeoutMs } = services.settings;
    if (idleTimeoutMs > 0) this.arm(idleTimeoutMs);
  }

  /** A line was taken at `now`: the timeout counts from here. */
  active(now: number): void {
    this.lastActivity = now;
  }

  /** The connection is closing (or gone): it is watched no more. */
  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private arm(delayMs: number): void {
    this.timer = this.services.clock.schedule(delayMs, () => this.check());
  }

  private check(): void {
    this.timer = null;
    const remaining = this.services.settings.idleTimeoutMs - (this.services.clock.now() - this.lastActivity);
    if (remaining > 0) this.arm(remaining);
    else this.listener.idleTimedOut();
  }
}

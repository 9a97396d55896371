import type { ClockPort, Timer } from "../../core/ports/clock.port";

/**
 * The server's own PING, to a client quiet for half the idle timeout: IRC
 * clients count on it to know the link is alive (and answer it, which
 * keeps them from the core's idle timeout). One timer, re-armed lazily:
 * input only records a time.
 */
export class KeepAlive {
  private lastInput: number;
  private timer: Timer | null = null;

  constructor(
    private readonly clock: ClockPort,
    /** The core's idle timeout (0: never). */
    private readonly idleTimeoutMs: number,
    private readonly ping: () => void,
  ) {
    this.lastInput = clock.now();
  }

  heard(): void {
    this.lastInput = this.clock.now();
  }

  start(): void {
    if (this.idleTimeoutMs > 0) this.check();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private check(): void {
    this.timer = null;
    const half = this.idleTimeoutMs / 2;
    const quiet = this.clock.now() - this.lastInput;
    if (quiet >= half) this.ping();
    this.timer = this.clock.schedule(quiet >= half ? half : half - quiet, () => this.check());
  }
}

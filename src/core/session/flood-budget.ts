import type { CoreSettings } from "../settings";

/** Flood control's constants, derived once from the settings and shared by every connection. */
export interface FloodRate {
  /** Off when the rate or the burst is 0. */
  readonly limited: boolean;
  /** Milliseconds one line of budget takes to come back. */
  readonly intervalMs: number;
  /** How far ahead of now the bucket may be full again: a burst's worth, less one line. */
  readonly toleranceMs: number;
}

export function floodRate({ rateLimitPerSecond, rateBurst }: CoreSettings): FloodRate {
  const intervalMs = 1000 / rateLimitPerSecond;
  return { limited: rateLimitPerSecond > 0 && rateBurst > 0, intervalMs, toleranceMs: (rateBurst - 1) * intervalMs };
}

/**
 * One connection's flood budget, as a token bucket in one number (GCRA):
 * the time at which the bucket would be full again. A line may pass while
 * that is no more than a burst's worth of intervals ahead of now, and
 * pushes it one interval further. One number rather than a count and a
 * time: every connection carries one.
 */
export class FloodBudget {
  private fullAt: number;

  /** A new connection starts with its whole burst. */
  constructor(
    private readonly rate: FloodRate,
    now: number,
  ) {
    this.fullAt = now;
  }

  /** Takes a line's worth of budget, if there is one; false when the line must wait (see waitMs). Always true with flood control off. */
  take(now: number): boolean {
    const { rate } = this;
    if (!rate.limited) return true;
    const fullAt = Math.max(this.fullAt, now);
    if (fullAt - now > rate.toleranceMs) return false;
    this.fullAt = fullAt + rate.intervalMs;
    return true;
  }

  /** How long from `now` until the next line may pass (milliseconds, maybe a fraction of one), once `take` refused it. */
  waitMs(now: number): number {
    return Math.max(this.fullAt, now) - this.rate.toleranceMs - now;
  }

  /** A costly command takes `lines` more than its own line: the next lines wait longer. Nothing with flood control off. */
  charge(lines: number, now: number): void {
    const { rate } = this;
    if (rate.limited) this.fullAt = Math.max(this.fullAt, now) + lines * rate.intervalMs;
  }
}

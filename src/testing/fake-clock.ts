import type { ClockPort, Timer } from "../core/ports/clock.port";

interface PendingTimer {
  readonly at: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/** Where a fake clock's wall time starts: 2026-01-01T00:00:00Z. */
export const FAKE_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Time that only moves when a test says so. */
export class FakeClock implements ClockPort {
  private current = 0;
  private scheduled = 0;
  private timers: PendingTimer[] = [];

  /** `epochAtZero`: the wall time when `now()` is 0. */
  constructor(private readonly epochAtZero = FAKE_EPOCH_MS) {}

  now(): number {
    return this.current;
  }

  /** The wall clock moves with `now`: FAKE_EPOCH_MS (or the given start) plus the time advanced. */
  epochMs(): number {
    return this.epochAtZero + this.current;
  }

  schedule(delayMs: number, callback: () => void): Timer {
    const timer: PendingTimer = { at: this.current + delayMs, order: this.scheduled++, callback, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Deferred work runs after the I/O of this turn, as with the real clock; time does not move. */
  defer(callback: () => void): void {
    setImmediate(callback);
  }

  /** Moves time forward, firing every timer that falls due, in order, at its own time. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.nextDue(target);
      if (due === undefined) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.current = due.at;
      due.callback();
    }
    this.current = target;
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  private nextDue(target: number): PendingTimer | undefined {
    let next: PendingTimer | undefined;
    for (const timer of this.timers) {
      if (timer.cancelled || timer.at > target) continue;
      if (next === undefined || timer.at < next.at || (timer.at === next.at && timer.order < next.order)) next = timer;
    }
    return next;
  }
}

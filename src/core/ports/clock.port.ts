/** A pending callback that can be cancelled. */
export interface Timer {
  cancel(): void;
}

/**
 * Time as the core sees it. Timers go through this port so that tests can
 * advance time by hand instead of sleeping.
 */
export interface ClockPort {
  /** Milliseconds on a monotonic scale; only differences are meaningful. */
  now(): number;
  /**
   * The wall clock: milliseconds since 1970-01-01 UTC, for the times users
   * are shown (when a message was accepted). It may jump (NTP); measure
   * durations with `now`.
   */
  epochMs(): number;
  /** Runs `callback` once, `delayMs` from now, unless cancelled first. */
  schedule(delayMs: number, callback: () => void): Timer;
  /**
   * Runs `callback` as soon as the I/O already waiting has been served: a
   * way to yield, so that one busy connection cannot hold up the others.
   */
  defer(callback: () => void): void;
}

/**
 * Resolves `ms` from now by `clock`'s time: the one way an adapter waits
 * (a retry's pause, a claim running out), so that a test's fake clock
 * wakes it when advanced past it.
 */
export function sleep(clock: ClockPort, ms: number): Promise<void> {
  return new Promise((resolve) => clock.schedule(ms, resolve));
}

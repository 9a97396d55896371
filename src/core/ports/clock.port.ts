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
  /** Runs `callback` once, `delayMs` from now, unless cancelled first. */
  schedule(delayMs: number, callback: () => void): Timer;
}

import type { ClockPort, Timer } from "../../core/ports/clock.port";

/** Real time: a monotonic clock and Node's timers. */
export class SystemClock implements ClockPort {
  now(): number {
    return performance.now();
  }

  schedule(delayMs: number, callback: () => void): Timer {
    const timeout = setTimeout(callback, delayMs);
    // A pending timer alone must not keep a stopped server's process alive.
    timeout.unref();
    return { cancel: () => clearTimeout(timeout) };
  }
}

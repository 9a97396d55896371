import type { ClockPort, Timer } from "../../core/ports/clock.port";

/** The longest delay Node's timers hold; a longer one would fire after 1 ms. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Real time: a monotonic clock and Node's timers. */
export class SystemClock implements ClockPort {
  now(): number {
    return performance.now();
  }

  schedule(delayMs: number, callback: () => void): Timer {
    if (delayMs <= MAX_TIMER_DELAY_MS) return wrap(setTimeout(callback, delayMs));
    // Beyond what one timer holds: wait in steps until the time has come.
    const due = this.now() + delayMs;
    let timeout: NodeJS.Timeout;
    const step = (): void => {
      const left = due - this.now();
      if (left <= 0) {
        callback();
        return;
      }
      timeout = setTimeout(step, Math.min(left, MAX_TIMER_DELAY_MS)).unref();
    };
    timeout = setTimeout(step, MAX_TIMER_DELAY_MS).unref();
    return { cancel: () => clearTimeout(timeout) };
  }
}

function wrap(timeout: NodeJS.Timeout): Timer {
  // A pending timer alone must not keep a stopped server's process alive.
  timeout.unref();
  return { cancel: () => clearTimeout(timeout) };
}

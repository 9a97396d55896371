import type { ClockPort, Timer } from "../../core/ports/clock.port";

/** The longest delay Node's timers hold; a longer one would fire after 1 ms. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** A Node timeout as a Timer: a small object instead of a closure per timer. */
class NodeTimer implements Timer {
  constructor(public timeout: NodeJS.Timeout) {
    // A pending timer alone must not keep a stopped server's process alive.
    timeout.unref();
  }

  cancel(): void {
    clearTimeout(this.timeout);
  }
}

/** Real time: a monotonic clock and Node's timers. */
export class SystemClock implements ClockPort {
  now(): number {
    return performance.now();
  }

  epochMs(): number {
    return Date.now();
  }

  defer(callback: () => void): void {
    setImmediate(callback);
  }

  schedule(delayMs: number, callback: () => void): Timer {
    if (delayMs <= MAX_TIMER_DELAY_MS) return new NodeTimer(setTimeout(callback, delayMs));
    // Beyond what one timer holds: wait in steps until the time has come.
    const due = this.now() + delayMs;
    const step = (): void => {
      const left = due - this.now();
      if (left <= 0) callback();
      else timer.timeout = setTimeout(step, Math.min(left, MAX_TIMER_DELAY_MS)).unref();
    };
    const timer = new NodeTimer(setTimeout(step, MAX_TIMER_DELAY_MS));
    return timer;
  }
}

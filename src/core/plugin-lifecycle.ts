import { inject, injectable } from "tsyringe";
import type { Timers } from "./plugin-api";
import type { ClockPort, Timer } from "./ports/clock.port";
import type { LoggerPort } from "./ports/logger.port";
import { isThenable } from "./thenable";
import { TOKENS } from "./tokens";

/**
 * How long one plugin's `onClose` hook may take. Bounded so that a hook that
 * hangs neither holds up the others nor uses up the CLI's 5 s to exit.
 */
export const CLOSE_HOOK_TIMEOUT_MS = 1000;

type Callback = () => void | Promise<void>;

interface CloseHook {
  readonly plugin: string;
  readonly hook: Callback;
}

/** Returned for a timer asked for once the plugins are closing: it never fires. */
const NOT_STARTED: Timer = { cancel() {} };

/**
 * What plugins hold between start and stop: the timers they started through
 * their API, and their `onClose` hooks. A timer's failure is logged with its
 * plugin's name and the server goes on; at close every live timer is
 * cancelled, then the hooks run once, last registered first (avvio's
 * onClose), each awaited but bounded.
 */
@injectable()
export class PluginLifecycle {
  private readonly live = new Set<Timer>();
  private readonly closeHooks: CloseHook[] = [];
  /** False from the moment the close begins: no timer starts after it. */
  private open = true;
  private closing: Promise<void> | null = null;

  constructor(
    @inject(TOKENS.Clock) private readonly clock: ClockPort,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
  ) {}

  /** The `timers` of one plugin's API. */
  timersFor(plugin: string): Timers {
    return {
      after: (delayMs, callback) => this.start(plugin, "after", delayMs, callback, false),
      every: (intervalMs, callback) => this.start(plugin, "every", intervalMs, callback, true),
    };
  }

  addClose(plugin: string, hook: Callback): void {
    if (typeof hook !== "function") throw new TypeError("onClose: the hook must be a function");
    this.closeHooks.push({ plugin, hook });
  }

  /** Cancels the plugins' timers and runs their `onClose` hooks; once, however often called. */
  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private start(plugin: string, method: "after" | "every", ms: number, callback: Callback, repeat: boolean): Timer {
    checkTimer(method, ms, callback, repeat);
    if (!this.open) {
      this.logger.warn({ plugin, timer: method }, "timer not started: the plugins are closing");
      return NOT_STARTED;
    }
    let pending: Timer;
    const handle: Timer = {
      cancel: () => {
        pending.cancel();
        this.live.delete(handle);
      },
    };
    const fire = (): void => {
      // The next tick is set before the callback runs: its failure cannot
      // stop the timer, and a cancel() from inside the callback cancels that tick.
      if (repeat) pending = this.clock.schedule(ms, fire);
      else this.live.delete(handle);
      this.run(plugin, callback);
    };
    pending = this.clock.schedule(ms, fire);
    this.live.add(handle);
    return handle;
  }

  private run(plugin: string, callback: Callback): void {
    try {
      const result: unknown = callback();
      if (isThenable(result)) result.then(undefined, (error: unknown) => this.timerFailed(plugin, error));
    } catch (error) {
      this.timerFailed(plugin, error);
    }
  }

  private timerFailed(plugin: string, error: unknown): void {
    this.logger.error({ plugin, err: error }, "timer failed");
  }

  private async closeAll(): Promise<void> {
    this.open = false;
    for (const timer of [...this.live]) timer.cancel();
    for (const { plugin, hook } of [...this.closeHooks].reverse()) {
      try {
        await this.bounded(hook);
      } catch (error) {
        this.logger.error({ plugin, hook: "onClose", err: error }, "hook failed");
      }
    }
  }

  /** Runs the hook; rejects if it throws, rejects, or has not finished in time. */
  private bounded(hook: Callback): Promise<void> {
    return new Promise((resolve, reject) => {
      const timeout = this.clock.schedule(CLOSE_HOOK_TIMEOUT_MS, () =>
        reject(new Error(`onClose did not finish within ${CLOSE_HOOK_TIMEOUT_MS} ms`)),
      );
      const done = (): void => {
        timeout.cancel();
        resolve();
      };
      const failed = (error: unknown): void => {
        timeout.cancel();
        reject(error);
      };
      try {
        const result: unknown = hook();
        if (isThenable(result)) result.then(done, failed);
        else done();
      } catch (error) {
        failed(error);
      }
    });
  }
}

function checkTimer(method: string, ms: unknown, callback: unknown, repeat: boolean): void {
  const smallest = repeat ? "above 0" : "from 0";
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0 || (repeat && ms === 0)) {
    throw new TypeError(`timers.${method}: the ${repeat ? "interval" : "delay"} must be a number of milliseconds ${smallest}, got ${typeof ms === "string" ? JSON.stringify(ms) : String(ms)}`);
  }
  if (typeof callback !== "function") throw new TypeError(`timers.${method}: the callback must be a function`);
}

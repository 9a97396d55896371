import type { LogContext, LoggerPort } from "../core/ports/logger.port";

export interface LogEntry {
  readonly level: "error" | "warn" | "info" | "debug";
  readonly message: string;
  readonly context: LogContext;
}

interface Waiter {
  readonly message: string;
  readonly count: number;
  readonly resolve: (entries: LogEntry[]) => void;
}

/** How long `waitFor` waits for entries that should come; a guard against hanging, not a measurement. */
const WAIT_MS = 5000;

/** Keeps every entry in memory, child loggers included, for tests to inspect. */
export class RecordingLogger implements LoggerPort {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: LogContext = {},
    private readonly waiters: Waiter[] = [],
  ) {}

  error(context: LogContext, message: string): void {
    this.record("error", context, message);
  }

  warn(context: LogContext, message: string): void {
    this.record("warn", context, message);
  }

  info(context: LogContext, message: string): void {
    this.record("info", context, message);
  }

  debug(context: LogContext, message: string): void {
    this.record("debug", context, message);
  }

  child(bindings: LogContext): LoggerPort {
    return new RecordingLogger(this.entries, { ...this.bindings, ...bindings }, this.waiters);
  }

  /** Entries with this message, in order. */
  find(message: string): LogEntry[] {
    return this.entries.filter((entry) => entry.message === message);
  }

  /**
   * Resolves with the entries with this message once there are `count` of
   * them (for what a server logs when something happens outside the test's
   * hands, such as a socket closing); rejects if they do not come.
   */
  waitFor(message: string, count = 1): Promise<LogEntry[]> {
    if (this.find(message).length >= count) return Promise.resolve(this.find(message));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${count} "${message}" log entries did not come within ${WAIT_MS} ms; have ${this.find(message).length}`));
      }, WAIT_MS);
      const waiter: Waiter = {
        message,
        count,
        resolve: (entries) => {
          clearTimeout(timer);
          resolve(entries);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private record(level: LogEntry["level"], context: LogContext, message: string): void {
    this.entries.push({ level, message, context: { ...this.bindings, ...context } });
    for (const waiter of [...this.waiters]) {
      if (waiter.message !== message) continue;
      const found = this.find(message);
      if (found.length < waiter.count) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(found);
    }
  }
}

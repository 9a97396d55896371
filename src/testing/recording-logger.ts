import type { LogContext, LoggerPort } from "../core/ports/logger.port";

export interface LogEntry {
  readonly level: "error" | "warn" | "info" | "debug";
  readonly message: string;
  readonly context: LogContext;
}

/** Keeps every entry in memory, child loggers included, for tests to inspect. */
export class RecordingLogger implements LoggerPort {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: LogContext = {},
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
    return new RecordingLogger(this.entries, { ...this.bindings, ...bindings });
  }

  /** Entries with this message, in order. */
  find(message: string): LogEntry[] {
    return this.entries.filter((entry) => entry.message === message);
  }

  private record(level: LogEntry["level"], context: LogContext, message: string): void {
    this.entries.push({ level, message, context: { ...this.bindings, ...context } });
  }
}

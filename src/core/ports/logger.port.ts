/** Structured context attached to a log entry. */
export type LogContext = Record<string, unknown>;

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** Structured logging: one object of context and a fixed message per entry. */
export interface LoggerPort {
  error(context: LogContext, message: string): void;
  warn(context: LogContext, message: string): void;
  info(context: LogContext, message: string): void;
  debug(context: LogContext, message: string): void;
  /** A logger that adds `bindings` to every entry it writes. */
  child(bindings: LogContext): LoggerPort;
}

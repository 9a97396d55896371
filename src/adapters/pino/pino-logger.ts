import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import type { LogContext, LoggerPort, LogLevel } from "../../core/ports/logger.port";

export interface PinoLoggerOptions {
  readonly level: LogLevel;
  /** Human-readable lines (pino-pretty), coloured on a terminal, instead of JSON. */
  readonly pretty?: boolean;
  /** Where JSON lines go; standard output by default. */
  readonly destination?: pino.DestinationStream;
}

/** Log lines kept in memory while standard output is slow, beyond which they are dropped. */
const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;
/** Lines are written once this many bytes are waiting ... */
const LOG_WRITE_BYTES = 8 * 1024;
/** ... or this long after they were logged. */
const LOG_FLUSH_MS = 100;

/**
 * Standard output written asynchronously and in blocks: a burst of
 * connections costs a few syscalls instead of one per line, and a stalled
 * reader of the logs never blocks the server (past the buffer, lines are
 * dropped). A line waits at most 100 ms; pino flushes what is left when the
 * process exits.
 */
function standardOutput(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: LOG_WRITE_BYTES, maxLength: MAX_BUFFERED_LOG_BYTES });
  // Node's own timer, not the app's clock: the logger is made before the
  // app and outlives it, and no test steps through its writes (tests log
  // to a RecordingLogger).
  setInterval(() => destination.flush(), LOG_FLUSH_MS).unref();
  return destination;
}

/** Structured JSON logs through pino. */
export class PinoLogger implements LoggerPort {
  private constructor(private readonly logger: Logger) {}

  static create(options: PinoLoggerOptions): PinoLogger {
    const config = { level: options.level, base: { pid: process.pid } };
    const destination =
      options.destination ?? (options.pretty ? pretty({ colorize: process.stdout.isTTY === true, sync: true }) : standardOutput());
    return new PinoLogger(pino(config, destination));
  }

  error(context: LogContext, message: string): void {
    this.logger.error(context, message);
  }

  warn(context: LogContext, message: string): void {
    this.logger.warn(context, message);
  }

  info(context: LogContext, message: string): void {
    this.logger.info(context, message);
  }

  debug(context: LogContext, message: string): void {
    this.logger.debug(context, message);
  }

  child(bindings: LogContext): LoggerPort {
    return new PinoLogger(this.logger.child(bindings));
  }
}

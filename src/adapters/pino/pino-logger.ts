import pino, { type Logger } from "pino";
import type { LogContext, LoggerPort, LogLevel } from "../../core/ports/logger.port";

export interface PinoLoggerOptions {
  readonly level: LogLevel;
  /** Where JSON lines go; standard output by default. */
  readonly destination?: pino.DestinationStream;
}

/** Structured JSON logs through pino. */
export class PinoLogger implements LoggerPort {
  private constructor(private readonly logger: Logger) {}

  static create(options: PinoLoggerOptions): PinoLogger {
    const config = { level: options.level, base: { pid: process.pid } };
    return new PinoLogger(options.destination ? pino(config, options.destination) : pino(config));
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

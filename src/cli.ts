#!/usr/bin/env node
import "reflect-metadata";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { PinoLogger } from "./adapters/pino/pino-logger";
import { build, DEFAULT_CONFIG, DEFAULT_PORT, type ChatApp } from "./composition-root";
import { ConfigError, loadPluginsConfig, pluginSpecs } from "./config";
import { PluginError } from "./core/errors";
import type { LoggerPort, LogLevel } from "./core/ports/logger.port";

const PROGRAM = "chat-server";
const PACKAGE_ROOT = join(__dirname, "..");
const CONFIG_FILE = "plugins.config.json";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const MAX_LINE_BYTES_RANGE = [64, 1024 * 1024] as const;
/** Whatever happens during shutdown, the process is gone by then. */
const EXIT_DEADLINE_MS = 4500;

/** A failure the user can act on: one line on stderr, no stack trace. */
class CliError extends Error {
  constructor(
    message: string,
    /** 2 for a mistake in how the program was called, 1 for anything else. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

const usageError = (message: string): CliError => new CliError(message, 2);

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
    throw usageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function seconds(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
    throw usageError(`${flag} must be a number of seconds, 0 or more, got "${text}"`);
  }
  return value;
}

function parseArguments(argv: string[]) {
  const version = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;
  return yargs(argv)
    .scriptName(PROGRAM)
    .usage("$0 [options]\n\nRuns the line-based TCP chat server.")
    .options({
      port: {
        type: "string",
        describe: `TCP port, 0 for any free one (default: $PORT, else ${DEFAULT_PORT})`,
      },
      host: { type: "string", describe: "interface to listen on (default: all)" },
      "idle-timeout": {
        type: "string",
        describe: "seconds without a complete line before a client is dropped; 0 disables",
        default: String(DEFAULT_CONFIG.idleTimeoutMs / 1000),
      },
      plugins: {
        type: "string",
        describe: "comma-separated plugins to enable, instead of the config file's list",
      },
      config: {
        type: "string",
        describe: `plugin configuration (default: ./${CONFIG_FILE}, else the one shipped with the server)`,
      },
      "max-line-bytes": {
        type: "string",
        describe: "longest accepted line in bytes, line ending not counted",
        default: String(DEFAULT_CONFIG.maxLineBytes),
      },
      "log-level": { choices: LOG_LEVELS, default: "info" as LogLevel, describe: "least severe log level written" },
    })
    .strict()
    .version(version)
    .help()
    .alias("h", "help")
    .alias("v", "version")
    .fail((message, error) => {
      if (error instanceof CliError) throw error;
      throw usageError((message ?? error?.message ?? "invalid arguments").replace(/\s*\n\s*/g, " "));
    })
    .parseSync();
}

function configPath(explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  return existsSync(CONFIG_FILE) ? CONFIG_FILE : join(PACKAGE_ROOT, CONFIG_FILE);
}

function listenFailure(error: NodeJS.ErrnoException, port: number, host: string | undefined): string {
  const where = host === undefined ? `port ${port}` : `${host}:${port}`;
  switch (error.code) {
    case "EADDRINUSE":
      return `${where} is already in use`;
    case "EACCES":
      return `no permission to listen on ${where}`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return `cannot listen on ${where}: no such local address`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}

async function main(): Promise<void> {
  const args = parseArguments(hideBin(process.argv));
  const port = wholeNumber(args.port === undefined ? "PORT" : "--port", args.port ?? process.env.PORT ?? String(DEFAULT_PORT), 0, 65535);
  const idleTimeoutMs = seconds("--idle-timeout", args["idle-timeout"]) * 1000;
  const maxLineBytes = wholeNumber("--max-line-bytes", args["max-line-bytes"], ...MAX_LINE_BYTES_RANGE);
  const pluginsConfig = loadPluginsConfig(configPath(args.config));
  const enabled = args.plugins?.split(",").map((name) => name.trim()).filter((name) => name !== "");
  const logger = PinoLogger.create({ level: args["log-level"] });

  const app = build(
    { port, host: args.host, idleTimeoutMs, maxLineBytes, plugins: pluginSpecs(pluginsConfig, enabled) },
    { logger },
  );
  try {
    await app.start();
  } catch (error) {
    throw new CliError(listenFailure(error as NodeJS.ErrnoException, port, args.host), 1);
  }
  logger.info({ plugins: app.plugins }, "ready");
  stopOnSignals(app, logger);
}

function stopOnSignals(app: ChatApp, logger: LoggerPort): void {
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, "stopping");
    setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
    void app.stop().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  const known = error instanceof CliError || error instanceof PluginError || error instanceof ConfigError;
  process.stderr.write(`${PROGRAM}: ${known ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(error instanceof CliError ? error.exitCode : 1);
});

#!/usr/bin/env -S node --max-semi-space-size=4
import "reflect-metadata";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { PinoLogger } from "./adapters/pino/pino-logger";
import { accountsCommand, AccountsCliError } from "./accounts-cli";
import { StoreOpenError } from "./adapters/postgres/postgres-store";
import { isRedisUrl, redactUrl } from "./adapters/redis/redis-url";
import { build, DEFAULT_CONFIG, type ChatApp, type ServerConfig } from "./composition-root";
import { ConfigError, isRecord, loadPluginsConfig, pluginSpecs } from "./config";
import { DATABASE_OPTION, parseDatabase } from "./database-flag";
import { PluginError } from "./core/errors";
import type { LoggerPort, LogLevel } from "./core/ports/logger.port";
import type { CoreSettings } from "./core/settings";
import type { DoorModule } from "./doors/door-module";
import { DOORS } from "./doors/doors";
import { parseNumber, parsePort, UsageError, type NumberRule } from "./doors/flag-checks";

const PROGRAM = "chat-server";
const PACKAGE_ROOT = join(__dirname, "..");
const CONFIG_FILE = "plugins.config.json";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
/** Whatever happens during shutdown, the process is gone by then. */
const EXIT_DEADLINE_MS = 4500;

/**
 * A failure the user can act on, other than a mistake in how the program
 * was called (a UsageError, exit 2): one line on stderr, no stack trace,
 * exit 1.
 */
class CliError extends Error {}

/** The numeric flags that set a core setting: name, meaning, range, and the factor from flag to setting. */
const SETTING_FLAGS = {
  "idle-timeout": {
    setting: "idleTimeoutMs",
    factor: 1000,
    rule: { min: 0, max: 86_400, fractional: true },
    describe: "seconds without a complete line before a client is dropped; 0 disables",
  },
  "max-line-bytes": {
    setting: "maxLineBytes",
    factor: 1,
    rule: { min: 64, max: 1024 * 1024 },
    describe: "longest accepted line in bytes, line ending not counted",
  },
  "rate-limit": {
    setting: "rateLimitPerSecond",
    factor: 1,
    rule: { min: 0, max: 1_000_000, fractional: true },
    describe: "lines per second a client may send after its burst; 0 disables flood control",
  },
  "rate-burst": {
    setting: "rateBurst",
    factor: 1,
    rule: { min: 0, max: 1_000_000 },
    describe: "lines a client may send at once before the rate applies; 0 disables flood control",
  },
  "max-send-queue": {
    setting: "maxSendQueueBytes",
    factor: 1,
    rule: { min: 1024, max: 1024 * 1024 * 1024 },
    describe: "bytes of output waiting for one client before it is disconnected",
  },
  "max-connections": {
    setting: "maxConnections",
    factor: 1,
    rule: { min: 0, max: 10_000_000 },
    describe: "open connections in all; 0 for no limit",
  },
  "max-per-ip": {
    setting: "maxConnectionsPerAddress",
    factor: 1,
    rule: { min: 0, max: 10_000_000 },
    describe: "open connections from one address (IPv6: one /64), loopback exempt (see --exempt-loopback); 0 for no limit",
  },
  "connect-rate": {
    setting: "connectRatePerSecond",
    factor: 1,
    rule: { min: 0, max: 1_000_000, fractional: true },
    describe: "new connections per second from one address after its burst, loopback exempt (see --exempt-loopback); 0 disables",
  },
  "connect-burst": {
    setting: "connectBurst",
    factor: 1,
    rule: { min: 0, max: 1_000_000 },
    describe: "new connections one address may open at once before --connect-rate applies; 0 disables",
  },
  "max-rooms-per-user": {
    setting: "maxRoomsPerUser",
    factor: 1,
    rule: { min: 0, max: 1_000_000 },
    describe: "rooms one user may be in at once (ERR too-many-rooms; IRC 405, CHANLIMIT); 0 for no limit",
  },
  "max-rooms": {
    setting: "maxRooms",
    factor: 1,
    rule: { min: 0, max: 10_000_000 },
    describe: "rooms with members on this node; a JOIN that would make one more is refused (ERR rooms-full; IRC 437); 0 for no limit",
  },
  "resume-grace": {
    setting: "resumeGraceMs",
    factor: 1000,
    rule: { min: 0, max: 86_400, fractional: true },
    describe: "seconds a resumable session whose connection dropped keeps its name for a RESUME; 0 turns resuming off",
  },
  "resume-buffer": {
    setting: "resumeBufferBytes",
    factor: 1,
    rule: { min: 1024, max: 64 * 1024 * 1024 },
    describe: "bytes of output kept per resumable session for a RESUME (at most half of --max-send-queue); a larger gap is refused",
  },
} as const satisfies Record<string, { setting: keyof CoreSettings; factor: number; rule: NumberRule; describe: string }>;

type SettingFlag = keyof typeof SETTING_FLAGS;

const settingOptions = Object.fromEntries(
  Object.entries(SETTING_FLAGS).map(([flag, { setting, factor, describe }]) => [
    flag,
    { type: "string", describe, default: String(DEFAULT_CONFIG[setting] / factor) },
  ]),
) as Record<SettingFlag, { type: "string"; describe: string; default: string }>;

/** The account flags' values as settings (see docs/ACCOUNTS.md). */
type AccountFlags = { registration: "open" | "closed"; guests: "on" | "off"; "plain-passwords": boolean };

function coreSettings(args: Record<SettingFlag, string> & { "exempt-loopback": boolean } & AccountFlags): CoreSettings {
  const numbers = Object.fromEntries(
    Object.entries(SETTING_FLAGS).map(([flag, { setting, factor, rule }]) => [
      setting,
      parseNumber(`--${flag}`, args[flag as SettingFlag], rule) * factor,
    ]),
  ) as unknown as Omit<CoreSettings, "exemptLoopback" | "registration" | "guests" | "plainPasswords" | "hashesAtOnce">;
  const settings: CoreSettings = {
    ...numbers,
    exemptLoopback: args["exempt-loopback"],
    registration: args.registration,
    guests: args.guests === "on",
    plainPasswords: args["plain-passwords"],
    hashesAtOnce: DEFAULT_CONFIG.hashesAtOnce,
  };
  const smallestQueue = settings.maxLineBytes + 64;
  if (settings.maxSendQueueBytes < smallestQueue) {
    throw new UsageError(`--max-send-queue must be at least --max-line-bytes + 64 (${smallestQueue}), so that one line fits`);
  }
  return settings;
}

/** A door's flag as yargs takes it: a string, checked by the door. */
interface DoorOption {
  readonly type: "string";
  readonly describe: string;
  readonly default?: string;
}

/** The doors' flags, in the list's order; a flag two of them declare, or one the CLI has too, is a mistake in the list. */
function doorOptions(doors: readonly DoorModule[], taken: readonly string[]): Record<string, DoorOption> {
  const options: Record<string, DoorOption> = {};
  for (const door of doors) {
    for (const [flag, { describe, default: value }] of Object.entries(door.flags)) {
      if (flag in options || taken.includes(flag)) throw new Error(`the ${door.name} door's flag --${flag} is declared already`);
      options[flag] = { type: "string", describe, ...(value !== undefined && { default: value }) };
    }
  }
  return options;
}

function parseArguments(argv: string[], doors: readonly DoorModule[]) {
  const version = JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version as string;
  const shared = {
    host: { type: "string", describe: "interface to listen on (default: all)" },
    "tls-cert": { type: "string", describe: "PEM file of the TLS certificate (chain); with --tls-key, serves TLS" },
    "tls-key": { type: "string", describe: "PEM file of the TLS private key" },
  } as const;
  const others = {
    ...settingOptions,
    "exempt-loopback": {
      type: "boolean",
      default: DEFAULT_CONFIG.exemptLoopback,
      describe: "loopback (127.0.0.0/8, ::1) is under neither --max-per-ip nor --connect-rate; --no-exempt-loopback counts it like any address",
    },
    plugins: {
      type: "string",
      describe: "comma-separated plugins to enable, instead of the config file's list",
    },
    config: {
      type: "string",
      describe: `plugin configuration (default: ./${CONFIG_FILE}, else the one shipped with the server)`,
    },
    "metrics-port": { type: "string", describe: "serve Prometheus /metrics and /healthz over HTTP on this port (default: off)" },
    "metrics-host": { type: "string", describe: "interface for the metrics port (default: --host)" },
    redis: { type: "string", describe: "join a cluster of servers through this Redis (redis://host:port); default: a single server" },
    "redis-lease": {
      type: "string",
      default: "10",
      describe: "seconds after which a node that stopped (killed) loses its users' names, and they are announced as gone",
    },
    "node-id": {
      type: "string",
      describe: "this server's name in the cluster, held by one live server at a time (default: host, process id, random)",
    },
    "data-dir": { type: "string", default: "data", describe: "folder of the embedded database (SQLite), made on first start" },
    database: DATABASE_OPTION,
    registration: { choices: ["open", "closed"] as const, default: "open" as const, describe: "who registers accounts: anyone (REGISTER), or the operator only (chat-server accounts add)" },
    guests: { choices: ["on", "off"] as const, default: "on" as const, describe: "whether users without an account may log in (under names no account has)" },
    "plain-passwords": {
      type: "boolean",
      default: false,
      describe: "take passwords over connections without TLS from addresses other than loopback (they cross the network readable)",
    },
    "log-level": { choices: LOG_LEVELS, default: "info" as LogLevel, describe: "least severe log level written" },
    "log-pretty": { type: "boolean", default: false, describe: "human-readable logs (pino-pretty) instead of JSON lines" },
  } as const;
  return yargs(argv)
    .scriptName(PROGRAM)
    .usage("$0 [options]\n$0 accounts <command>   manage accounts (see chat-server accounts --help)\n\nRuns the line-based TCP chat server.")
    .options(shared)
    .options(doorOptions(doors, [...Object.keys(shared), ...Object.keys(others), "help", "version"]))
    .options(others)
    .strict()
    .version(version)
    .help()
    .alias("h", "help")
    .alias("v", "version")
    .fail((message, error) => {
      throw new UsageError((message ?? error?.message ?? "invalid arguments").replace(/\s*\n\s*/g, " "));
    })
    .parseSync();
}

function configPath(explicit: string | undefined): string {
  if (explicit !== undefined) return explicit;
  return existsSync(CONFIG_FILE) ? CONFIG_FILE : join(PACKAGE_ROOT, CONFIG_FILE);
}

function listenFailure(error: NodeJS.ErrnoException & { port?: number }, host: string | undefined): string {
  // Node leaves the port out of the error when it is 0 (any free one).
  const port = error.port ?? 0;
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

/**
 * The doors' parts added to the rest of the configuration. A part's keys
 * are its door's own, but for an object of the shared configuration, which
 * a part adds fields to (TCP's `tls.port`).
 */
function withDoorParts(config: Partial<ServerConfig>, parts: readonly object[]): Partial<ServerConfig> {
  const merged: Record<string, unknown> = { ...config };
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      const before = merged[key];
      merged[key] = isRecord(before) && isRecord(value) ? { ...before, ...value } : value;
    }
  }
  return merged as Partial<ServerConfig>;
}

async function serve(doors: readonly DoorModule[]): Promise<void> {
  const args = parseArguments(hideBin(process.argv), doors);
  const settings = coreSettings(args);
  const metricsPort = args["metrics-port"] === undefined ? undefined : parsePort("--metrics-port", args["metrics-port"]);
  const tls = tlsFiles(args["tls-cert"], args["tls-key"]);
  const database = parseDatabase(args.database);
  const doorParts = doors.map((door) =>
    door.configure({
      values: Object.fromEntries(Object.keys(door.flags).map((flag) => [flag, args[flag]])),
      env: process.env,
      tls: tls !== undefined,
    }),
  );
  const path = configPath(args.config);
  const pluginsConfig = loadPluginsConfig(path);
  const enabled = args.plugins?.split(",").map((name) => name.trim()).filter((name) => name !== "");
  const logger = PinoLogger.create({ level: args["log-level"], pretty: args["log-pretty"] });

  const config = withDoorParts(
    {
      ...settings,
      host: args.host,
      plugins: pluginSpecs(pluginsConfig, enabled),
      pluginOptions: pluginsConfig.options,
      ...(tls && { tls }),
      ...(database === "sqlite" ? { dataDir: args["data-dir"] } : { database }),
      ...(metricsPort !== undefined && { metrics: { port: metricsPort, host: args["metrics-host"] ?? args.host } }),
      ...(args.redis !== undefined && {
        redis: {
          url: redisUrl(args.redis),
          leaseMs: parseNumber("--redis-lease", args["redis-lease"], { min: 0.3, max: 3600, fractional: true }) * 1000,
          ...(args["node-id"] !== undefined && { nodeId: args["node-id"] }),
        },
      }),
    },
    doorParts,
  );
  const app = await build(config, { logger, doors });
  try {
    await app.start();
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    throw new CliError(failure.syscall === "listen" ? listenFailure(failure, args.host) : failure.message);
  }
  logger.info({ plugins: app.plugins }, "ready");
  // A promise some plugin left to fail on its own must not end the server
  // (Node's default for an unhandled rejection is to exit): log it instead.
  process.on("unhandledRejection", (reason) => logger.error({ err: reason }, "unhandled promise rejection"));
  stopOnSignals(app, logger);
  reloadOnHangup(app, logger, path, enabled);
}

/** The --redis URL, checked here so that a mistake is a usage error, and shown without its password. */
function redisUrl(text: string): string {
  if (!isRedisUrl(text)) throw new UsageError(`--redis must be a URL redis://[user:password@]host[:port][/db], got "${redactUrl(text)}"`);
  return text;
}

function tlsFiles(certFile: string | undefined, keyFile: string | undefined) {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new UsageError("--tls-cert and --tls-key go together");
  return { certFile, keyFile };
}

/**
 * SIGHUP: read the TLS certificate and the configuration file again; apply
 * what can change while running, and log what needs a restart.
 */
function reloadOnHangup(app: ChatApp, logger: LoggerPort, path: string, enabled: readonly string[] | undefined): void {
  process.on("SIGHUP", () => {
    let request;
    try {
      const fresh = loadPluginsConfig(path);
      request = { plugins: enabled ?? fresh.plugins, pluginOptions: fresh.options };
    } catch (error) {
      logger.error({ err: error, config: path }, "reload refused: the configuration file cannot be used; nothing changed");
      return;
    }
    const { applied, needsRestart, errors } = app.reload(request);
    for (const change of needsRestart) logger.warn({ change }, "needs a restart");
    for (const problem of errors) logger.error({ problem }, "not reloaded");
    logger.info({ applied, needsRestart, errors }, "reloaded");
  });
}

function stopOnSignals(app: ChatApp, logger: LoggerPort): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    // A second Ctrl-C while stopping changes nothing: the exit is on its way.
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    // Node's own timer, not the app's clock: the process's last resort,
    // which must go off whatever the app and its clock are doing.
    setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
    void app.stop().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/**
 * The program, serving these doors: DOORS when started as `chat-server`; a
 * test may run it with a door of its own beside them.
 */
export function run(doors: readonly DoorModule[]): void {
  const args = hideBin(process.argv);
  const work = args[0] === "accounts" ? accountsCommand(args.slice(1), process) : serve(doors);
  work.catch((error: unknown) => {
    const known =
      error instanceof CliError || error instanceof UsageError || error instanceof PluginError || error instanceof ConfigError || error instanceof AccountsCliError ||
      error instanceof StoreOpenError;
    process.stderr.write(`${PROGRAM}: ${known ? error.message : String((error as Error)?.stack ?? error)}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}

// Started as the program, not loaded by a test that runs it with doors of its own.
if (require.main === module) run(DOORS);

#!/usr/bin/env -S node --max-semi-space-size=4
import "reflect-metadata";
import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { PinoLogger } from "./adapters/pino/pino-logger";
import { isRedisUrl, redactUrl } from "./adapters/redis/redis-url";
import { build, DEFAULT_CONFIG, DEFAULT_PORT, type ChatApp } from "./composition-root";
import { ConfigError, loadPluginsConfig, pluginSpecs } from "./config";
import { PluginError } from "./core/errors";
import type { LoggerPort, LogLevel } from "./core/ports/logger.port";
import type { CoreSettings } from "./core/settings";

const PROGRAM = "chat-server";
const PACKAGE_ROOT = join(__dirname, "..");
const CONFIG_FILE = "plugins.config.json";
const LOG_LEVELS: readonly LogLevel[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
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

interface NumberRule {
  readonly min: number;
  readonly max: number;
  /** Fractions allowed. */
  readonly fractional?: boolean;
}

const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

function parseNumber(flag: string, text: string, { min, max, fractional = false }: NumberRule): number {
  const value = Number(text);
  if (!DECIMAL.test(text) || (!fractional && !Number.isInteger(value)) || value < min || value > max) {
    const kind = fractional ? "a number" : "a whole number";
    throw usageError(`${flag} must be ${kind} from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

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

function coreSettings(args: Record<SettingFlag, string> & { "exempt-loopback": boolean }): CoreSettings {
  const numbers = Object.fromEntries(
    Object.entries(SETTING_FLAGS).map(([flag, { setting, factor, rule }]) => [
      setting,
      parseNumber(`--${flag}`, args[flag as SettingFlag], rule) * factor,
    ]),
  ) as unknown as Omit<CoreSettings, "exemptLoopback">;
  const settings: CoreSettings = { ...numbers, exemptLoopback: args["exempt-loopback"] };
  const smallestQueue = settings.maxLineBytes + 64;
  if (settings.maxSendQueueBytes < smallestQueue) {
    throw usageError(`--max-send-queue must be at least --max-line-bytes + 64 (${smallestQueue}), so that one line fits`);
  }
  return settings;
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
      "tls-cert": { type: "string", describe: "PEM file of the TLS certificate (chain); with --tls-key, serves TLS" },
      "tls-key": { type: "string", describe: "PEM file of the TLS private key" },
      "tls-port": {
        type: "string",
        describe: "port for TLS beside plain TCP on --port (default: TLS instead of plain TCP on --port)",
      },
      "web-port": {
        type: "string",
        describe: "serve the web client and WebSocket connections (/ws) on this port; HTTPS with the TLS flags (default: $WEB_PORT, else off)",
      },
      "web-host": { type: "string", describe: "interface for the web port (default: --host)" },
      "web-origins": {
        type: "string",
        describe: "comma-separated origins, besides the page's own, whose pages may open a WebSocket (https://chat.example.com)",
      },
      "trust-proxy": {
        type: "string",
        describe: "comma-separated addresses of reverse proxies whose X-Forwarded-For names the web client's address",
      },
      "irc-port": { type: "string", describe: "serve IRC on this port (default: off)" },
      "irc-tls-port": { type: "string", describe: "serve IRC over TLS on this port, with --tls-cert and --tls-key (default: off)" },
      "server-name": { type: "string", describe: "the server's name in IRC prefixes and numerics (default: the host name)" },
      "irc-lobby": { type: "string", default: "#lobby", describe: "the IRC channel everyone is in" },
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
      "log-level": { choices: LOG_LEVELS, default: "info" as LogLevel, describe: "least severe log level written" },
      "log-pretty": { type: "boolean", default: false, describe: "human-readable logs (pino-pretty) instead of JSON lines" },
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

function listenFailure(error: NodeJS.ErrnoException & { port?: number }, port: number, host: string | undefined): string {
  const failed = error.port ?? port;
  const where = host === undefined ? `port ${failed}` : `${host}:${failed}`;
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
  const portText = args.port ?? process.env.PORT ?? String(DEFAULT_PORT);
  const port = parseNumber(args.port === undefined ? "PORT" : "--port", portText, { min: 0, max: 65535 });
  const settings = coreSettings(args);
  const portFlag = (flag: "tls-port" | "metrics-port" | "irc-port" | "irc-tls-port"): number | undefined =>
    args[flag] === undefined ? undefined : parseNumber(`--${flag}`, args[flag], { min: 0, max: 65535 });
  const tlsPort = portFlag("tls-port");
  const metricsPort = portFlag("metrics-port");
  const webPortText = args["web-port"] ?? process.env.WEB_PORT;
  const webPort = webPortText === undefined ? undefined : parseNumber(args["web-port"] === undefined ? "WEB_PORT" : "--web-port", webPortText, { min: 0, max: 65535 });
  const tls = tlsFiles(args["tls-cert"], args["tls-key"], tlsPort);
  const irc = ircConfig(portFlag("irc-port"), portFlag("irc-tls-port"), args, tls !== undefined);
  const path = configPath(args.config);
  const pluginsConfig = loadPluginsConfig(path);
  const enabled = args.plugins?.split(",").map((name) => name.trim()).filter((name) => name !== "");
  const logger = PinoLogger.create({ level: args["log-level"], pretty: args["log-pretty"] });

  const app = await build(
    {
      ...settings,
      port,
      host: args.host,
      plugins: pluginSpecs(pluginsConfig, enabled),
      pluginOptions: pluginsConfig.options,
      ...(tls && { tls }),
      ...(metricsPort !== undefined && { metrics: { port: metricsPort, host: args["metrics-host"] ?? args.host } }),
      ...(webPort !== undefined && { web: webConfig(webPort, args) }),
      ...(irc !== undefined && { irc }),
      ...(args.redis !== undefined && {
        redis: {
          url: redisUrl(args.redis),
          leaseMs: parseNumber("--redis-lease", args["redis-lease"], { min: 0.3, max: 3600, fractional: true }) * 1000,
          ...(args["node-id"] !== undefined && { nodeId: args["node-id"] }),
        },
      }),
    },
    { logger },
  );
  try {
    await app.start();
  } catch (error) {
    const failure = error as NodeJS.ErrnoException;
    throw new CliError(failure.syscall === "listen" ? listenFailure(failure, port, args.host) : failure.message, 1);
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
  if (!isRedisUrl(text)) throw usageError(`--redis must be a URL redis://[user:password@]host[:port][/db], got "${redactUrl(text)}"`);
  return text;
}

/** Splits a comma-separated flag; empty when not given. */
function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}

function webConfig(port: number, args: { "web-host"?: string; host?: string; "web-origins"?: string; "trust-proxy"?: string }) {
  const origins = list(args["web-origins"]);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw usageError(`--web-origins takes origins such as https://chat.example.com, got "${origin}"`);
    }
  }
  const trustedProxies = list(args["trust-proxy"]);
  const notAnAddress = trustedProxies.find((address) => isIP(address) === 0);
  if (notAnAddress !== undefined) throw usageError(`--trust-proxy takes IP addresses, got "${notAnAddress}"`);
  return { port, host: args["web-host"] ?? args.host, origins, trustedProxies };
}

const CHANNEL = /^#[A-Za-z0-9_-]{1,32}$/;
const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;

function ircConfig(
  port: number | undefined,
  tlsPort: number | undefined,
  args: { "server-name"?: string; "irc-lobby": string; host?: string },
  haveTls: boolean,
) {
  if (port === undefined && tlsPort === undefined) return undefined;
  if (tlsPort !== undefined && !haveTls) throw usageError("--irc-tls-port needs --tls-cert and --tls-key");
  const serverName = args["server-name"] ?? (hostname().replace(/[^A-Za-z0-9.-]/g, "") || "chat");
  if (!SERVER_NAME.test(serverName)) throw usageError(`--server-name takes a host name (letters, digits, "." and "-"), got "${serverName}"`);
  const lobby = args["irc-lobby"];
  if (!CHANNEL.test(lobby)) throw usageError(`--irc-lobby takes a channel name: # then 1 to 32 letters, digits, "_" or "-", got "${lobby}"`);
  return { ...(port !== undefined && { port }), ...(tlsPort !== undefined && { tlsPort }), host: args.host, serverName, lobby: lobby.toLowerCase() };
}

function tlsFiles(certFile: string | undefined, keyFile: string | undefined, port: number | undefined) {
  if (certFile === undefined && keyFile === undefined) {
    if (port !== undefined) throw usageError("--tls-port needs --tls-cert and --tls-key");
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) throw usageError("--tls-cert and --tls-key go together");
  return { certFile, keyFile, ...(port !== undefined && { port }) };
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

main().catch((error: unknown) => {
  const known = error instanceof CliError || error instanceof PluginError || error instanceof ConfigError;
  process.stderr.write(`${PROGRAM}: ${known ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(error instanceof CliError ? error.exitCode : 1);
});

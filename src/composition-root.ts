import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { container as rootContainer, type DependencyContainer } from "tsyringe";
import { SystemClock } from "./adapters/clock/system-clock";
import { InProcessDelivery } from "./adapters/in-process/in-process-delivery";
import { InProcessLists } from "./adapters/in-process/in-process-lists";
import { InProcessPresence } from "./adapters/in-process/in-process-presence";
import { NoMetrics } from "./adapters/metrics/no-metrics";
import { SocketServer, type TlsIdentity } from "./adapters/socket/socket-server";
import { LINE_PROTOCOL } from "./adapters/tcp/line-over-tcp";
import { WebTransport } from "./adapters/web/web-transport";
import { ircProtocol } from "./adapters/irc/irc-protocol";
import { PinoLogger } from "./adapters/pino/pino-logger";
import { RedisCluster } from "./adapters/redis/redis-cluster";
import { MetricsHttpServer } from "./adapters/prometheus/metrics-http-server";
import { PrometheusMetrics } from "./adapters/prometheus/prometheus-metrics";
import { ChatServer, type StopOptions } from "./core/chat-server";
import { CommandDispatcher } from "./core/commands";
import { PluginHooks } from "./core/hooks";
import { PluginEvents } from "./core/plugin-events";
import { PluginHost, type ReloadReport } from "./core/plugin-host";
import { PluginLifecycle } from "./core/plugin-lifecycle";
import type { ClockPort } from "./core/ports/clock.port";
import type { DeliveryPort } from "./core/ports/delivery.port";
import type { ListsPort } from "./core/ports/lists.port";
import type { LoggerPort } from "./core/ports/logger.port";
import type { MetricsPort } from "./core/ports/metrics.port";
import type { PresencePort } from "./core/ports/presence.port";
import type { ListeningAddress, TransportPort } from "./core/ports/transport.port";
import { Resumption } from "./core/resumption";
import { Room } from "./core/room";
import { turnOutputLimit } from "./core/session";
import { DEFAULT_CORE_SETTINGS, type CoreSettings } from "./core/settings";
import { TOKENS } from "./core/tokens";
import { ConfigError } from "./config";
import { loadPlugins, type PluginSpec } from "./plugin-loader";

export const DEFAULT_PORT = 4000;
const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
/** Where the build puts the web client (this file is one level below the package's root, in src/ or dist/). */
const WEB_CLIENT_DIRECTORY = join(__dirname, "..", "dist", "web");
export const DEFAULT_PLUGINS: readonly string[] = ["login", "msg", "who", "dm", "ping", "quit", "resume"];

export interface ServerConfig extends CoreSettings {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on; all of them when omitted. */
  readonly host?: string;
  readonly plugins: readonly PluginSpec[];
  /**
   * Options for plugins, by the plugin's name or by how it is listed (a path,
   * a package): for those whose spec gives none.
   */
  readonly pluginOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * TLS: PEM files of the certificate (chain) and its key. With `port`, TLS
   * is served there beside plain TCP; without, instead of it.
   */
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly port?: number;
    /** How long a client has to finish its handshake (default 5 s). */
    readonly handshakeTimeoutMs?: number;
  };
  /**
   * Serve the web client at `/` and WebSocket connections at `/ws` on this
   * port (HTTPS and WSS with the TLS identity, when given). `origins`: pages
   * elsewhere allowed to open a WebSocket; `trustedProxies`: addresses whose
   * `X-Forwarded-For` names the client.
   */
  readonly web?: {
    readonly port: number;
    readonly host?: string;
    readonly origins?: readonly string[];
    readonly trustedProxies?: readonly string[];
    /** The built web client (dist/web by default). */
    readonly clientDirectory?: string;
  };
  /**
   * Serve IRC on this port (`port`), and over TLS with the TLS identity
   * (`tlsPort`). `serverName` is the name in IRC prefixes and numerics;
   * `lobby` the channel everyone is in.
   */
  readonly irc?: {
    readonly port?: number;
    readonly tlsPort?: number;
    readonly host?: string;
    readonly serverName: string;
    readonly lobby: string;
  };
  /** Serve `/metrics` and `/healthz` over HTTP on this port (0: any free one). */
  readonly metrics?: { readonly port: number; readonly host?: string };
  /**
   * Join a cluster of server processes through this Redis: presence and
   * delivery span every node. `leaseMs`: how long a silent node keeps its
   * users' names.
   */
  readonly redis?: { readonly url: string; readonly leaseMs: number; readonly nodeId?: string };
}

/** What a reload was given: the configuration file read anew. */
export interface ReloadRequest {
  /** The plugins the file lists now (a change needs a restart). */
  readonly plugins: readonly string[];
  readonly pluginOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** Adapters to use instead of the real ones: the seams for tests and embedding. */
export interface AdapterOverrides {
  readonly logger?: LoggerPort;
  readonly clock?: ClockPort;
  readonly transports?: readonly TransportPort[];
  readonly presence?: PresencePort;
  readonly delivery?: DeliveryPort;
  readonly lists?: ListsPort;
  readonly metrics?: MetricsPort;
}

export interface ChatApp {
  readonly server: ChatServer;
  /** This app's own container; resolve core services from it in tests. */
  readonly container: DependencyContainer;
  /** The loaded plugins, in load order. */
  readonly plugins: readonly string[];
  /** Listens on every transport (and the metrics port); resolves with the transports' addresses. */
  start(): Promise<ListeningAddress[]>;
  /** Where `/metrics` is served, once started; null when metrics are off. */
  readonly metricsAddress: ListeningAddress | null;
  /**
   * Closes every connection, then the plugins (their timers cancelled, their
   * `onClose` hooks run), then the adapters. Once: a second call gets the
   * first one's promise.
   */
  stop(options?: StopOptions): Promise<void>;
  /** Reads the TLS certificate again and takes new plugin options where plugins allow it. */
  reload(request: ReloadRequest): ReloadReport;
}

/** Reads and checks the TLS certificate and key; a ConfigError names the file and the problem. */
function readIdentity({ certFile, keyFile }: NonNullable<ServerConfig["tls"]>): TlsIdentity {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      throw new ConfigError(`cannot read the TLS ${what} ${file}: ${code === "ENOENT" ? "no such file" : message}`);
    }
  };
  const identity = { cert: read(certFile, "certificate"), key: read(keyFile, "key") };
  try {
    createSecureContext(identity);
  } catch (error) {
    throw new ConfigError(`the TLS certificate ${certFile} and key ${keyFile} cannot be used: ${(error as Error).message}`);
  }
  return identity;
}

export const DEFAULT_CONFIG: ServerConfig = {
  port: DEFAULT_PORT,
  ...DEFAULT_CORE_SETTINGS,
  plugins: DEFAULT_PLUGINS.map((name) => ({ name })),
};

/**
 * The composition root: the one place that wires adapters, core and
 * plugins. Every app gets its own child container, so two apps (two tests)
 * never share state. Rejects with a PluginError if any plugin cannot be
 * loaded.
 */
export async function build(config: Partial<ServerConfig> = {}, overrides: AdapterOverrides = {}): Promise<ChatApp> {
  const settings = { ...DEFAULT_CONFIG, ...config };
  const container = rootContainer.createChildContainer();
  const logger = overrides.logger ?? PinoLogger.create({ level: "info" });

  container.register(TOKENS.Logger, { useValue: logger });
  const clock = overrides.clock ?? new SystemClock();
  container.register(TOKENS.Clock, { useValue: clock });
  container.register(TOKENS.Settings, { useValue: settings });
  const prometheus = settings.metrics === undefined ? null : new PrometheusMetrics();
  const metrics = overrides.metrics ?? prometheus ?? new NoMetrics();
  container.register(TOKENS.Metrics, { useValue: metrics });
  const cluster =
    settings.redis === undefined ? null : new RedisCluster({ ...settings.redis, turnBytes: turnOutputLimit(settings), clock }, logger, metrics);
  container.register(TOKENS.Presence, { useValue: overrides.presence ?? cluster ?? new InProcessPresence() });
  container.register(TOKENS.Delivery, { useValue: overrides.delivery ?? cluster ?? new InProcessDelivery() });
  container.register(TOKENS.Lists, { useValue: overrides.lists ?? cluster?.lists ?? new InProcessLists() });

  const { tls, host, web } = settings;
  const identity = tls === undefined ? undefined : readIdentity(tls);
  const handshakeTimeoutMs = tls?.handshakeTimeoutMs;
  const tlsServer =
    tls === undefined ? null : new SocketServer({ port: tls.port ?? settings.port, host, tls: identity, handshakeTimeoutMs, clock }, logger, LINE_PROTOCOL);
  const plainServer = tls !== undefined && tls.port === undefined ? null : new SocketServer({ port: settings.port, host, clock }, logger, LINE_PROTOCOL);
  const webServer =
    web === undefined
      ? null
      : new WebTransport(
          {
            port: web.port,
            host: web.host ?? host,
            tls: identity,
            handshakeTimeoutMs,
            origins: web.origins,
            trustedProxies: web.trustedProxies,
            maxLineBytes: settings.maxLineBytes,
            clientDirectory: web.clientDirectory ?? WEB_CLIENT_DIRECTORY,
            clock,
          },
          logger,
        );
  const { irc } = settings;
  const ircSettings =
    irc === undefined
      ? null
      : {
          names: { server: irc.serverName, lobby: irc.lobby },
          idleTimeoutMs: settings.idleTimeoutMs,
          maxLineBytes: settings.maxLineBytes,
          maxRoomsPerUser: settings.maxRoomsPerUser,
          clock,
          version: `chat-server-${PACKAGE_VERSION}`,
          created: new Date(),
        };
  const ircServing = ircSettings === null ? null : ircProtocol(ircSettings);
  const ircServer = irc?.port === undefined || ircServing === null ? null : new SocketServer({ port: irc.port, host: irc.host ?? host, clock }, logger, ircServing);
  if (irc?.tlsPort !== undefined && identity === undefined) throw new ConfigError("IRC over TLS needs the TLS certificate and key");
  const ircTlsServer =
    irc?.tlsPort === undefined || ircServing === null
      ? null
      : new SocketServer({ port: irc.tlsPort, host: irc.host ?? host, tls: identity, handshakeTimeoutMs, clock }, logger, ircServing);
  const secureServers = [tlsServer, web !== undefined && tls !== undefined ? webServer : null, ircTlsServer].filter((server) => server !== null);
  const transports =
    overrides.transports ?? [plainServer, tlsServer, webServer, ircServer, ircTlsServer].filter((transport) => transport !== null);
  for (const transport of transports) container.register(TOKENS.Transport, { useValue: transport });
  container.registerSingleton(CommandDispatcher);
  container.registerSingleton(PluginHooks);
  container.registerSingleton(Resumption);
  container.registerSingleton(Room);
  container.registerSingleton(PluginLifecycle);
  container.registerSingleton(PluginEvents);
  container.registerSingleton(PluginHost);
  container.registerSingleton(ChatServer);

  const candidates = await loadPlugins(settings.plugins);
  const pluginHost = container.resolve(PluginHost);
  const lifecycle = container.resolve(PluginLifecycle);
  try {
    pluginHost.loadAll(candidates, settings.pluginOptions);
  } catch (error) {
    // The plugins registered before the failure may have started timers or opened files.
    await lifecycle.close();
    throw error;
  }
  const server = container.resolve(ChatServer);
  // A node whose id another process took can serve no one new: a balancer should send them elsewhere.
  const health = (): string => (!server.isAccepting ? "stopping" : cluster?.displaced === true ? "displaced" : "ok");
  const metricsServer =
    settings.metrics === undefined || prometheus === null
      ? null
      : new MetricsHttpServer(
          { port: settings.metrics.port, host: settings.metrics.host ?? host },
          prometheus.registry,
          () => ({ status: health(), connections: server.connectionCount }),
          logger,
        );

  let metricsAddress: ListeningAddress | null = null;
  let stopping: Promise<void> | null = null;
  const stopAll = async (options?: StopOptions): Promise<void> => {
    await server.stop(options);
    // The users are gone; the adapters the plugins may use in onClose are still there.
    await lifecycle.close();
    await cluster?.stop();
    await metricsServer?.close();
    await container.dispose();
  };
  return {
    server,
    container,
    plugins: pluginHost.names,
    get metricsAddress() {
      return metricsAddress;
    },
    async start() {
      await cluster?.start();
      const addresses = await server.start();
      if (metricsServer !== null) {
        metricsAddress = await metricsServer.listen();
        logger.info({ transport: "metrics", ...metricsAddress }, "listening");
      }
      return addresses;
    },
    stop(options) {
      stopping ??= stopAll(options);
      return stopping;
    },
    reload(request) {
      const report = pluginHost.reload(request.plugins, request.pluginOptions);
      if (tls !== undefined && secureServers.length > 0) {
        try {
          const fresh = readIdentity(tls);
          for (const server of secureServers) server.reloadIdentity(fresh);
          report.applied.push(`TLS certificate ${tls.certFile} read again`);
        } catch (error) {
          report.errors.push(`TLS certificate: ${(error as Error).message}; the old one stays`);
        }
      }
      return report;
    },
  };
}

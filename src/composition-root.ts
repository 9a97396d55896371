import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { container as rootContainer, type DependencyContainer } from "tsyringe";
import { SystemClock } from "./adapters/clock/system-clock";
import { InProcessDelivery } from "./adapters/in-process/in-process-delivery";
import { InProcessLists } from "./adapters/in-process/in-process-lists";
import { InProcessProfiles } from "./adapters/in-process/in-process-profiles";
import { InProcessPresence } from "./adapters/in-process/in-process-presence";
import { NO_STORE } from "./adapters/in-process/no-store";
import { Argon2Passwords } from "./adapters/argon2/argon2-passwords";
import { PostgresStore } from "./adapters/postgres/postgres-store";
import { SqliteStore } from "./adapters/sqlite/sqlite-store";
import { NoMetrics } from "./adapters/metrics/no-metrics";
import type { TlsIdentity } from "./adapters/socket/socket-server";
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
import type { ProfilesPort } from "./core/ports/profiles.port";
import type { PasswordsPort, StorePort } from "./core/ports/store.port";
import { Accounts } from "./core/accounts";
import { SignIns } from "./core/sign-ins";
import { BrowserSignIns } from "./core/browser-sign-ins";
import { NO_MOVES } from "./core/ports/session-moves.port";
import type { ListeningAddress, TransportPort } from "./core/ports/transport.port";
import { Resumption } from "./core/resumption";
import { Room } from "./core/room";
import { turnOutputLimit } from "./core/session";
import { DEFAULT_CORE_SETTINGS } from "./core/settings";
import { TOKENS } from "./core/tokens";
import { ConfigError } from "./config";
import type { WebSocketDoor } from "./adapters/websocket/websocket-door";
import type { DoorModule, DoorsConfig, SharedConfig, TlsFiles } from "./doors/door-module";
import { DOORS } from "./doors/doors";
import { loadPlugins, type PluginSpec } from "./plugin-loader";

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
export const DEFAULT_PLUGINS: readonly string[] = ["login", "msg", "who", "dm", "ping", "quit", "resume", "rename", "accounts"];

/**
 * The server's configuration: the core's settings, what the doors share
 * (`host`, `tls`), each listed door's own part (declared by its module,
 * src/adapters/<door>/module.ts), and the rest.
 */
export type ServerConfig = SharedConfig &
  DoorsConfig<(typeof DOORS)[number]> & {
    readonly plugins: readonly PluginSpec[];
    /**
     * Options for plugins, by the plugin's name or by how it is listed (a path,
     * a package): for those whose spec gives none.
     */
    readonly pluginOptions?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    /** Serve `/metrics` and `/healthz` over HTTP on this port (0: any free one). */
    readonly metrics?: { readonly port: number; readonly host?: string };
    /**
     * Join a cluster of server processes through this Redis: presence and
     * delivery span every node. `leaseMs`: how long a silent node keeps its
     * users' names.
     */
    readonly redis?: { readonly url: string; readonly leaseMs: number; readonly nodeId?: string };
    /**
     * Where accounts are kept: "none" (no accounts: everyone is a guest), a
     * PostgreSQL server's URL (what the nodes of a cluster share), or by
     * default SQLite, in `dataDir` (in memory when there is none, gone when
     * the server stops).
     */
    readonly database?: "none" | { readonly postgres: string };
    /** The folder of the embedded database (made if need be). */
    readonly dataDir?: string;
  };

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
  readonly profiles?: ProfilesPort;
  readonly metrics?: MetricsPort;
  /** The store, instead of the one `database` and `dataDir` say (two nodes of a test may share one); it is not closed with the app. */
  readonly store?: StorePort;
  readonly passwords?: PasswordsPort;
  /** The doors to serve, DOORS by default: a test's own door beside them. Their configuration is read from the config given. */
  readonly doors?: readonly DoorModule[];
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
function readIdentity({ certFile, keyFile }: TlsFiles): TlsIdentity {
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

/** The core's defaults, the default plugins, and each door's own. */
export const DEFAULT_CONFIG: ServerConfig = Object.assign(
  { ...DEFAULT_CORE_SETTINGS, plugins: DEFAULT_PLUGINS.map((name) => ({ name })) },
  ...DOORS.map((door) => door.defaults),
);

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
  container.register(TOKENS.Presence, { useValue: overrides.presence ?? cluster?.presence ?? new InProcessPresence() });
  container.register(TOKENS.Delivery, { useValue: overrides.delivery ?? cluster?.delivery ?? new InProcessDelivery() });
  container.register(TOKENS.Lists, { useValue: overrides.lists ?? cluster?.lists ?? new InProcessLists() });
  container.register(TOKENS.Profiles, { useValue: overrides.profiles ?? cluster?.profiles ?? new InProcessProfiles() });
  container.register(TOKENS.Moves, { useValue: cluster?.moves ?? NO_MOVES });
  const ownStore = overrides.store === undefined ? await openStore(settings, logger) : null;
  container.register(TOKENS.Store, { useValue: overrides.store ?? ownStore! });
  const ownPasswords = overrides.passwords === undefined ? new Argon2Passwords(settings.hashesAtOnce) : null;
  container.register(TOKENS.Passwords, { useValue: overrides.passwords ?? ownPasswords! });

  const { tls } = settings;
  const identity = tls === undefined ? undefined : readIdentity(tls);
  const modules = overrides.doors ?? DOORS;
  const webSockets = webSocketsOf(modules);
  const doors = modules.map((door) => door.open(settings, { logger, clock, identity, version: PACKAGE_VERSION, webSockets })).filter((door) => door !== null);
  const transports = overrides.transports ?? doors.flatMap((door) => door.transports);
  for (const transport of transports) container.register(TOKENS.Transport, { useValue: transport });
  container.registerSingleton(CommandDispatcher);
  container.registerSingleton(PluginHooks);
  container.registerSingleton(Resumption);
  container.registerSingleton(Accounts);
  container.registerSingleton(Room);
  container.registerSingleton(SignIns);
  container.registerSingleton(BrowserSignIns);
  container.registerSingleton(PluginLifecycle);
  container.registerSingleton(PluginEvents);
  container.registerSingleton(PluginHost);
  container.registerSingleton(ChatServer);

  const pluginHost = container.resolve(PluginHost);
  const lifecycle = container.resolve(PluginLifecycle);
  try {
    pluginHost.loadAll(await loadPlugins(settings.plugins), settings.pluginOptions);
  } catch (error) {
    // The plugins registered before the failure may have started timers or opened files; the store is open.
    await lifecycle.close();
    await ownStore?.close();
    await ownPasswords?.close();
    throw error;
  }
  const server = container.resolve(ChatServer);
  // A node whose id another process took can serve no one new: a balancer should send them elsewhere.
  const health = (): string => (!server.isAccepting ? "stopping" : cluster?.displaced === true ? "displaced" : "ok");
  const metricsServer =
    settings.metrics === undefined || prometheus === null
      ? null
      : new MetricsHttpServer(
          { port: settings.metrics.port, host: settings.metrics.host ?? settings.host },
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
    await ownStore?.close();
    await ownPasswords?.close();
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
      if (tls !== undefined && doors.some((door) => door.reloadIdentity !== undefined)) {
        try {
          const fresh = readIdentity(tls);
          for (const door of doors) door.reloadIdentity?.(fresh);
          report.applied.push(`TLS certificate ${tls.certFile} read again`);
        } catch (error) {
          report.errors.push(`TLS certificate: ${(error as Error).message}; the old one stays`);
        }
      }
      return report;
    },
  };
}

/**
 * The store the configuration names, open (a database server connected
 * to and migrated). A cluster's nodes must share their accounts: SQLite
 * is one process's file, so a node of a cluster is told a database server
 * (PostgreSQL) or `--database none`.
 */
async function openStore({ database, dataDir, redis }: ServerConfig, logger: LoggerPort): Promise<StorePort> {
  if (database === "none") return NO_STORE;
  if (database !== undefined) return PostgresStore.connect(database.postgres, logger);
  if (redis !== undefined) {
    throw new ConfigError(
      "the nodes of a cluster (--redis) must share their accounts, and SQLite is one server's file: give --database postgres://... (a database server they share) or --database none (no accounts)",
    );
  }
  return dataDir === undefined ? SqliteStore.inMemory() : SqliteStore.open(dataDir);
}

/** The WebSocket paths the doors declare, by path; two doors on one path stop the server from starting. */
function webSocketsOf(doors: readonly DoorModule[]): ReadonlyMap<string, WebSocketDoor> {
  const paths = new Map<string, WebSocketDoor>();
  for (const door of doors) {
    for (const [path, open] of door.webSockets ?? []) {
      if (paths.has(path)) throw new ConfigError(`two doors serve WebSockets at ${path}`);
      paths.set(path, open);
    }
  }
  return paths;
}

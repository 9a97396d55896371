import { container as rootContainer, type DependencyContainer } from "tsyringe";
import { SystemClock } from "./adapters/clock/system-clock";
import { InProcessDelivery } from "./adapters/in-process/in-process-delivery";
import { InProcessPresence } from "./adapters/in-process/in-process-presence";
import { NetTcpServer } from "./adapters/net/net-tcp-server";
import { PinoLogger } from "./adapters/pino/pino-logger";
import { ChatServer, type StopOptions } from "./core/chat-server";
import { CommandDispatcher } from "./core/commands";
import { PluginHooks } from "./core/hooks";
import { PluginHost } from "./core/plugin-host";
import type { ClockPort } from "./core/ports/clock.port";
import type { DeliveryPort } from "./core/ports/delivery.port";
import type { LoggerPort } from "./core/ports/logger.port";
import type { PresencePort } from "./core/ports/presence.port";
import type { ListeningAddress, TransportPort } from "./core/ports/transport.port";
import { Room } from "./core/room";
import { DEFAULT_CORE_SETTINGS, type CoreSettings } from "./core/settings";
import { TOKENS } from "./core/tokens";
import { loadPlugins, type PluginSpec } from "./plugin-loader";

export const DEFAULT_PORT = 4000;
export const DEFAULT_PLUGINS: readonly string[] = ["login", "msg", "who", "dm", "ping", "quit"];

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
}

/** Adapters to use instead of the real ones: the seams for tests and embedding. */
export interface AdapterOverrides {
  readonly logger?: LoggerPort;
  readonly clock?: ClockPort;
  readonly transports?: readonly TransportPort[];
  readonly presence?: PresencePort;
  readonly delivery?: DeliveryPort;
}

export interface ChatApp {
  readonly server: ChatServer;
  /** This app's own container; resolve core services from it in tests. */
  readonly container: DependencyContainer;
  /** The loaded plugins, in load order. */
  readonly plugins: readonly string[];
  start(): Promise<ListeningAddress[]>;
  stop(options?: StopOptions): Promise<void>;
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
  container.register(TOKENS.Clock, { useValue: overrides.clock ?? new SystemClock() });
  container.register(TOKENS.Settings, { useValue: settings });
  container.register(TOKENS.Presence, { useValue: overrides.presence ?? new InProcessPresence() });
  container.register(TOKENS.Delivery, { useValue: overrides.delivery ?? new InProcessDelivery() });
  const transports = overrides.transports ?? [new NetTcpServer({ port: settings.port, host: settings.host }, logger)];
  for (const transport of transports) container.register(TOKENS.Transport, { useValue: transport });
  container.registerSingleton(CommandDispatcher);
  container.registerSingleton(PluginHooks);
  container.registerSingleton(Room);
  container.registerSingleton(PluginHost);
  container.registerSingleton(ChatServer);

  const candidates = await loadPlugins(settings.plugins);
  const pluginHost = container.resolve(PluginHost);
  pluginHost.loadAll(candidates, settings.pluginOptions);
  const server = container.resolve(ChatServer);

  return {
    server,
    container,
    plugins: pluginHost.names,
    start: () => server.start(),
    async stop(options) {
      await server.stop(options);
      await container.dispose();
    },
  };
}

/**
 * The package's API, for embedding the server and writing plugins.
 * `import "reflect-metadata"` comes first: the DI decorators need it.
 */
import "reflect-metadata";

export { build, DEFAULT_CONFIG, DEFAULT_PLUGINS } from "./composition-root";
export type { AdapterOverrides, ChatApp, ServerConfig } from "./composition-root";
export type { StopOptions } from "./core/chat-server";
export { PluginError, RoomLimitError, type RoomLimit } from "./core/errors";
export { definePlugin, sendReply } from "./core/plugin-api";
export type { OptionSpec, OptionsOf, OptionsSchema } from "./core/options";
export type { ChatEvent, Departed, PluginEventData, Renderer } from "./core/events";
export { ERROR_CODES } from "./core/language";
export type { CommandInput, CommandSyntax, CoreErrorCode, ErrorCode, ErrorReply, Farewell, Reply, SaidBefore } from "./core/language";
export type {
  ChatMessage,
  ChatPlugin,
  DeliveredMessage,
  Command,
  CommandContext,
  CommandExtension,
  DisconnectEvent,
  GroupInfo,
  Hooks,
  LoginEvent,
  LoginResult,
  MessageTarget,
  MessageVerdict,
  PluginApi,
  PluginEventRenderers,
  PluginEventsApi,
  RenameEvent,
  RenameResult,
  RoomApi,
  SendResult,
  SessionHandle,
  Timers,
} from "./core/plugin-api";
export type { ClockPort, Timer } from "./core/ports/clock.port";
export type { DeliveryPort, Recipient } from "./core/ports/delivery.port";
export type { LogContext, LoggerPort, LogLevel } from "./core/ports/logger.port";
export type { PresencePort } from "./core/ports/presence.port";
export type {
  Connection,
  ConnectionAcceptor,
  ConnectionHandler,
  ListeningAddress,
  TransportPort,
} from "./core/ports/transport.port";
export type { CoreSettings } from "./core/settings";
export type { PluginSpec } from "./plugin-loader";
/** The JSON API's frames (docs/API.md): TypeBox schemas (JSON Schema) and their TypeScript types, for a bot's author. */
export * as JsonApi from "./adapters/json/json-schema";

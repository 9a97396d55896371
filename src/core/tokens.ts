import type { InjectionToken } from "tsyringe";
import type { ClockPort } from "./ports/clock.port";
import type { DeliveryPort } from "./ports/delivery.port";
import type { ListsPort } from "./ports/lists.port";
import type { LoggerPort } from "./ports/logger.port";
import type { MetricsPort } from "./ports/metrics.port";
import type { PresencePort } from "./ports/presence.port";
import type { ProfilesPort } from "./ports/profiles.port";
import type { SessionMovesPort } from "./ports/session-moves.port";
import type { PasswordsPort, StorePort } from "./ports/store.port";
import type { TransportPort } from "./ports/transport.port";
import type { CoreSettings } from "./settings";

/**
 * One token per port. This file imports only types, so it can never close
 * an import cycle.
 */
export const TOKENS = {
  Clock: Symbol("ClockPort") as InjectionToken<ClockPort>,
  Logger: Symbol("LoggerPort") as InjectionToken<LoggerPort>,
  Metrics: Symbol("MetricsPort") as InjectionToken<MetricsPort>,
  Presence: Symbol("PresencePort") as InjectionToken<PresencePort>,
  Delivery: Symbol("DeliveryPort") as InjectionToken<DeliveryPort>,
  Lists: Symbol("ListsPort") as InjectionToken<ListsPort>,
  Profiles: Symbol("ProfilesPort") as InjectionToken<ProfilesPort>,
  /** A cluster's, or NO_MOVES on a single server. */
  Moves: Symbol("SessionMovesPort") as InjectionToken<SessionMovesPort>,
  /** Registered once per transport; the server listens on all of them. */
  Transport: Symbol("TransportPort") as InjectionToken<TransportPort>,
  /** The server's lasting data: accounts. */
  Store: Symbol("StorePort") as InjectionToken<StorePort>,
  Passwords: Symbol("PasswordsPort") as InjectionToken<PasswordsPort>,
  Settings: Symbol("CoreSettings") as InjectionToken<CoreSettings>,
} as const;

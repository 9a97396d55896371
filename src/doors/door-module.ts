import type { ClockPort } from "../core/ports/clock.port";
import type { LoggerPort } from "../core/ports/logger.port";
import type { TransportPort } from "../core/ports/transport.port";
import type { CoreSettings } from "../core/settings";
import type { TlsIdentity } from "../adapters/socket/socket-server";
import type { WebSocketDoor } from "../adapters/websocket/websocket-door";

/*
 * What a door is to the program around it. Each door's folder exports one
 * DoorModule (its `module.ts`), and DOORS (doors.ts) lists them: the CLI
 * takes its flags from the list and the composition root its transports,
 * neither naming a door. Adding a door is its folder and its line in the
 * list.
 */

/** A command-line flag of a door: a string, read and checked by the door's `configure`. */
export interface DoorFlag {
  /** Its line in `--help`. */
  readonly describe: string;
  /** Its value when not given, shown by `--help`. */
  readonly default?: string;
}

/** The TLS identity's files: the server's one certificate, served by every door that speaks TLS. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** How long a client has to finish its handshake (default 5 s). */
  readonly handshakeTimeoutMs?: number;
}

/** What every door may read of the server's configuration, besides its own part. */
export interface SharedConfig extends CoreSettings {
  /** Interface to listen on; all of them when omitted. A door may have its own (`--web-host`). */
  readonly host?: string;
  /** TLS: PEM files of the certificate (chain) and its key, for the doors that serve TLS. */
  readonly tls?: TlsFiles;
}

/** What a door's `configure` reads. */
export interface DoorCommandLine {
  /** The door's own flags, by name: undefined for one not given that has no default. */
  readonly values: Readonly<Record<string, string | undefined>>;
  /** The environment, for a flag that falls back to a variable (`$PORT`). */
  readonly env: NodeJS.ProcessEnv;
  /** Whether the TLS identity's files were given (`--tls-cert`, `--tls-key`). */
  readonly tls: boolean;
}

/** What a door is made with, besides the configuration. */
export interface DoorContext {
  readonly logger: LoggerPort;
  /** The core's clock: handshake timeouts, lingers, keep-alives. */
  readonly clock: ClockPort;
  /** The TLS identity read from `tls`'s files; undefined without TLS. */
  readonly identity: TlsIdentity | undefined;
  /** The server's version, for a door that tells clients. */
  readonly version: string;
  /** The WebSocket paths the doors declared (`webSockets`), for the door that serves WebSockets on its port. */
  readonly webSockets: ReadonlyMap<string, WebSocketDoor>;
}

/**
 * A door as configured: its transports, which the core starts (`listen`)
 * and stops (`stopAccepting`) with every other, in the list's order.
 */
export interface OpenDoor {
  readonly transports: readonly TransportPort[];
  /** Serves new TLS connections with the identity read again (SIGHUP); absent when the door serves no TLS. */
  reloadIdentity?(identity: TlsIdentity): void;
}

/**
 * A door: its flags, its part of the configuration (`Part`, an object of
 * the keys it adds to ServerConfig) and how it is opened. Its functions are
 * methods, whose parameters TypeScript checks both ways, so that one list
 * holds doors of different parts.
 */
export interface DoorModule<Part extends object = object> {
  /** For logs and errors ("tcp", "web" ...). */
  readonly name: string;
  /** Its command-line flags by name (without `--`), in the order `--help` lists them. */
  readonly flags: Readonly<Record<string, DoorFlag>>;
  /** Its part of the default configuration. */
  readonly defaults: Part;
  /**
   * Its part of the configuration from its flags: only the keys it owns,
   * added to the others (an object of the shared configuration field by
   * field: TCP's `tls.port`). Throws a UsageError naming the flag for a
   * bad value.
   */
  configure(commandLine: DoorCommandLine): Partial<Part>;
  /** Its transports under this configuration; null when it is off (or has no port of its own). Throws a ConfigError for a configuration it cannot serve. */
  open(config: Part & SharedConfig, context: DoorContext): OpenDoor | null;
  /**
   * WebSocket paths it serves on the web port, instead of a port of its own
   * (the JSON API's `/api`): each path's connection. Served when the web
   * port is.
   */
  readonly webSockets?: ReadonlyMap<string, WebSocketDoor>;
}

/**
 * The configuration parts of a list of doors (`Door`, a union of their
 * modules) as one type: what they add to ServerConfig. The union of parts
 * becomes their intersection through a function's parameter.
 */
export type DoorsConfig<Door> = (Door extends DoorModule<infer Part> ? (part: Part) => void : never) extends (part: infer All) => void
  ? All
  : never;

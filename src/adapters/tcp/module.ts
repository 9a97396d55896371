import type { DoorModule } from "../../doors/door-module";
import { parsePort, portFlag, UsageError } from "../../doors/flag-checks";
import { SocketServer } from "../socket/socket-server";
import { LINE_PROTOCOL } from "./line-over-tcp";

/** The TCP port when neither `--port` nor `$PORT` gives one. */
const DEFAULT_PORT = 4000;

/** The TCP door's part of the configuration. */
export interface TcpConfig {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /**
   * With the TLS identity (the shared `tls`): with `port`, TLS is served
   * there beside plain TCP; without, instead of it.
   */
  readonly tls?: { readonly port?: number };
}

/** The line protocol over TCP, and over TLS with the server's identity. */
export const TCP_DOOR: DoorModule<TcpConfig> = {
  name: "tcp",
  flags: {
    port: { describe: `TCP port, 0 for any free one (default: $PORT, else ${DEFAULT_PORT})` },
    "tls-port": { describe: "port for TLS beside plain TCP on --port (default: TLS instead of plain TCP on --port)" },
  },
  defaults: { port: DEFAULT_PORT },

  configure({ values, env, tls }) {
    const given = values.port;
    const port = parsePort(given === undefined ? "PORT" : "--port", given ?? env.PORT ?? String(DEFAULT_PORT));
    const tlsPort = portFlag(values, "tls-port");
    if (tlsPort === undefined) return { port };
    if (!tls) throw new UsageError("--tls-port needs --tls-cert and --tls-key");
    return { port, tls: { port: tlsPort } };
  },

  open({ port, host, tls }, { logger, clock, identity }) {
    const secure =
      identity === undefined
        ? null
        : new SocketServer({ port: tls?.port ?? port, host, tls: identity, handshakeTimeoutMs: tls?.handshakeTimeoutMs, clock }, logger, LINE_PROTOCOL);
    const plain = secure !== null && tls?.port === undefined ? null : new SocketServer({ port, host, clock }, logger, LINE_PROTOCOL);
    // Plain TCP first: its address is the first the app's start resolves with.
    const transports = [plain, secure].filter((server) => server !== null);
    return secure === null ? { transports } : { transports, reloadIdentity: (fresh) => secure.reloadIdentity(fresh) };
  },
};

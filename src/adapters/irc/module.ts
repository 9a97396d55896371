import { hostname } from "node:os";
import { ConfigError } from "../../config";
import { nameKey } from "../../core/text";
import type { DoorModule } from "../../doors/door-module";
import { portFlag, UsageError } from "../../doors/flag-checks";
import { SocketServer } from "../socket/socket-server";
import { ircProtocol } from "./irc-protocol";

/** The IRC door's part of the configuration. */
export interface IrcConfig {
  /**
   * Serve IRC on this port (`port`), and over TLS with the TLS identity
   * (`tlsPort`). `serverName` is the name in IRC prefixes and numerics;
   * `lobby` the channel everyone is in; `joinLobby` whether IRC users
   * start in it (default true: they may PART it, and JOIN it again).
   */
  readonly irc?: {
    readonly port?: number;
    readonly tlsPort?: number;
    /** Interface to listen on; the shared `host` when omitted. */
    readonly host?: string;
    readonly serverName: string;
    readonly lobby: string;
    readonly joinLobby?: boolean;
  };
}

const CHANNEL = /^#[A-Za-z0-9_-]{1,32}$/;
const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;

/** IRC over TCP, and over TLS with the server's identity. */
export const IRC_DOOR: DoorModule<IrcConfig> = {
  name: "irc",
  flags: {
    "irc-port": { describe: "serve IRC on this port (default: off)" },
    "irc-tls-port": { describe: "serve IRC over TLS on this port, with --tls-cert and --tls-key (default: off)" },
    "server-name": { describe: "the server's name in IRC prefixes and numerics (default: the host name)" },
    "irc-lobby": { describe: "the IRC channel everyone is in", default: "#lobby" },
    "irc-join-lobby": { describe: "whether IRC users start in the lobby (on, off); off: they JOIN it if they want it", default: "on" },
  },
  defaults: {},

  configure({ values, tls }) {
    const port = portFlag(values, "irc-port");
    const tlsPort = portFlag(values, "irc-tls-port");
    if (port === undefined && tlsPort === undefined) return {};
    if (tlsPort !== undefined && !tls) throw new UsageError("--irc-tls-port needs --tls-cert and --tls-key");
    const serverName = values["server-name"] ?? (hostname().replace(/[^A-Za-z0-9.-]/g, "") || "chat");
    if (!SERVER_NAME.test(serverName)) throw new UsageError(`--server-name takes a host name (letters, digits, "." and "-"), got "${serverName}"`);
    const lobby = values["irc-lobby"]!;
    if (!CHANNEL.test(lobby)) throw new UsageError(`--irc-lobby takes a channel name: # then 1 to 32 letters, digits, "_" or "-", got "${lobby}"`);
    const joinLobby = values["irc-join-lobby"]!;
    if (joinLobby !== "on" && joinLobby !== "off") throw new UsageError(`--irc-join-lobby takes on or off, got "${joinLobby}"`);
    return { irc: { ...(port !== undefined && { port }), ...(tlsPort !== undefined && { tlsPort }), serverName, lobby: nameKey(lobby), joinLobby: joinLobby === "on" } };
  },

  open({ irc, host, tls, idleTimeoutMs, maxLineBytes, maxRoomsPerUser }, { logger, clock, identity, version }) {
    if (irc === undefined) return null;
    if (irc.tlsPort !== undefined && identity === undefined) throw new ConfigError("IRC over TLS needs the TLS certificate and key");
    const protocol = ircProtocol({
      names: { server: irc.serverName, lobby: irc.lobby },
      joinLobby: irc.joinLobby ?? true,
      idleTimeoutMs,
      maxLineBytes,
      maxRoomsPerUser,
      clock,
      version: `chat-server-${version}`,
      created: new Date(),
    });
    const where = irc.host ?? host;
    const plain = irc.port === undefined ? null : new SocketServer({ port: irc.port, host: where, clock }, logger, protocol);
    const secure =
      irc.tlsPort === undefined || identity === undefined
        ? null
        : new SocketServer({ port: irc.tlsPort, host: where, tls: identity, handshakeTimeoutMs: tls?.handshakeTimeoutMs, clock }, logger, protocol);
    const transports = [plain, secure].filter((server) => server !== null);
    return secure === null ? { transports } : { transports, reloadIdentity: (fresh) => secure.reloadIdentity(fresh) };
  },
};

import { isIP } from "node:net";
import { join } from "node:path";
import type { DoorModule } from "../../doors/door-module";
import { parsePort, UsageError } from "../../doors/flag-checks";
import { WebTransport } from "./web-transport";

/** Where the build puts the web client (this file is three levels below the package's root, in src/ or dist/). */
const WEB_CLIENT_DIRECTORY = join(__dirname, "..", "..", "..", "dist", "web");

/** The web door's part of the configuration. */
export interface WebConfig {
  /**
   * Serve the web client at `/` and WebSocket connections at `/ws` on this
   * port (HTTPS and WSS with the TLS identity, when given). `origins`: pages
   * elsewhere allowed to open a WebSocket; `trustedProxies`: addresses whose
   * `X-Forwarded-For` names the client.
   */
  readonly web?: {
    readonly port: number;
    /** Interface to listen on; the shared `host` when omitted. */
    readonly host?: string;
    readonly origins?: readonly string[];
    readonly trustedProxies?: readonly string[];
    /** The built web client (dist/web by default). */
    readonly clientDirectory?: string;
  };
}

/** Splits a comma-separated flag; empty when not given. */
function list(value: string | undefined): string[] {
  return (value ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** Whether `text` is an origin as a browser sends it: http(s), host, port if any, nothing more. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return /^https?:$/.test(url.protocol) && url.origin === text;
  } catch {
    return false;
  }
}

/** The web client, and the line protocol over WebSocket, on an HTTP(S) port of their own. */
export const WEB_DOOR: DoorModule<WebConfig> = {
  name: "web",
  flags: {
    "web-port": {
      describe: "serve the web client and WebSocket connections (/ws, and the JSON API at /api) on this port; HTTPS with the TLS flags (default: $WEB_PORT, else off)",
    },
    "web-host": { describe: "interface for the web port (default: --host)" },
    "web-origins": {
      describe: "comma-separated origins, besides the page's own, whose pages may open a WebSocket (https://chat.example.com)",
    },
    "trust-proxy": {
      describe: "comma-separated addresses of reverse proxies whose X-Forwarded-For names the web client's address",
    },
  },
  defaults: {},

  configure({ values, env }) {
    const given = values["web-port"];
    const portText = given ?? env.WEB_PORT;
    if (portText === undefined) return {};
    const port = parsePort(given === undefined ? "WEB_PORT" : "--web-port", portText);
    const origins = list(values["web-origins"]);
    const notAnOrigin = origins.find((origin) => !isOrigin(origin));
    if (notAnOrigin !== undefined) throw new UsageError(`--web-origins takes origins such as https://chat.example.com, got "${notAnOrigin}"`);
    const trustedProxies = list(values["trust-proxy"]);
    const notAnAddress = trustedProxies.find((address) => isIP(address) === 0);
    if (notAnAddress !== undefined) throw new UsageError(`--trust-proxy takes IP addresses, got "${notAnAddress}"`);
    return { web: { port, host: values["web-host"], origins, trustedProxies } };
  },

  open({ web, host, tls, maxLineBytes }, { logger, clock, identity, webSockets }) {
    if (web === undefined) return null;
    const transport = new WebTransport(
      {
        port: web.port,
        host: web.host ?? host,
        tls: identity,
        handshakeTimeoutMs: tls?.handshakeTimeoutMs,
        origins: web.origins,
        trustedProxies: web.trustedProxies,
        maxLineBytes,
        clientDirectory: web.clientDirectory ?? WEB_CLIENT_DIRECTORY,
        clock,
        doors: webSockets,
      },
      logger,
    );
    const transports = [transport];
    return identity === undefined ? { transports } : { transports, reloadIdentity: (fresh) => transport.reloadIdentity(fresh) };
  },
};

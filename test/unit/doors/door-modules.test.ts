import { readFileSync } from "node:fs";
import { DEFAULT_CONFIG, type ServerConfig } from "../../../src/composition-root";
import { ConfigError } from "../../../src/config";
import type { DoorContext, DoorModule } from "../../../src/doors/door-module";
import { DOORS } from "../../../src/doors/doors";
import { UsageError } from "../../../src/doors/flag-checks";
import { FakeClock } from "../../../src/testing/fake-clock";
import { RecordingLogger } from "../../../src/testing/recording-logger";
import { selfSignedCertificate } from "../../support/certificates";

const [TCP, WEB, IRC] = DOORS;

/** What the door's `configure` makes of these flags, the CLI's way: flags not given take their declared default. */
function configure<Part extends object>(
  door: DoorModule<Part>,
  given: Record<string, string>,
  { env = {}, tls = false }: { env?: NodeJS.ProcessEnv; tls?: boolean } = {},
): Partial<Part> {
  const defaults = Object.entries(door.flags).flatMap(([flag, { default: value }]) => (value === undefined ? [] : [[flag, value]]));
  return door.configure({ values: { ...Object.fromEntries(defaults), ...given }, env, tls });
}

function usageError(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("no UsageError");
}

const certificate = selfSignedCertificate();
const identity = { cert: readFileSync(certificate.certFile), key: readFileSync(certificate.keyFile) };
const TLS = { certFile: certificate.certFile, keyFile: certificate.keyFile };

/** The names of the transports the door opens under this configuration (nothing listens), and whether it reloads a TLS identity. */
function opened(door: DoorModule, config: Partial<ServerConfig>, tls: boolean): { transports: string[]; reloads: boolean } | null {
  const context: DoorContext = { logger: new RecordingLogger(), clock: new FakeClock(), identity: tls ? identity : undefined, version: "1.2.3", webSockets: new Map() };
  const open = door.open({ ...DEFAULT_CONFIG, ...config }, context);
  return open === null ? null : { transports: open.transports.map((transport) => transport.name), reloads: open.reloadIdentity !== undefined };
}

describe("the TCP door", () => {
  it("takes its port from --port, else $PORT, else 4000", () => {
    expect(configure(TCP, {})).toEqual({ port: 4000 });
    expect(configure(TCP, {}, { env: { PORT: "5000" } })).toEqual({ port: 5000 });
    expect(configure(TCP, { port: "0" }, { env: { PORT: "5000" } })).toEqual({ port: 0 });
  });

  it("adds TLS's port to the shared tls, and only with the TLS identity", () => {
    expect(configure(TCP, { "tls-port": "6697" }, { tls: true })).toEqual({ port: 4000, tls: { port: 6697 } });
    expect(usageError(() => configure(TCP, { "tls-port": "6697" }))).toBe("--tls-port needs --tls-cert and --tls-key");
  });

  it.each<[Record<string, string>, NodeJS.ProcessEnv, string]>([
    [{ port: "65536" }, {}, '--port must be a whole number from 0 to 65535, got "65536"'],
    [{}, { PORT: "http" }, 'PORT must be a whole number from 0 to 65535, got "http"'],
    [{ "tls-port": "0x10" }, {}, '--tls-port must be a whole number from 0 to 65535, got "0x10"'],
  ])("refuses %j with $PORT %j", (given, env, message) => {
    expect(usageError(() => configure(TCP, given, { env, tls: true }))).toBe(message);
  });

  it("serves plain TCP, TLS instead of it, or both", () => {
    expect(opened(TCP, {}, false)).toEqual({ transports: ["tcp"], reloads: false });
    expect(opened(TCP, { tls: TLS }, true)).toEqual({ transports: ["tls"], reloads: true });
    expect(opened(TCP, { tls: { ...TLS, port: 0 } }, true)).toEqual({ transports: ["tcp", "tls"], reloads: true });
  });
});

describe("the web door", () => {
  it("is off without --web-port or $WEB_PORT, its other flags unread", () => {
    expect(configure(WEB, { "web-origins": "not an origin", "trust-proxy": "nor an address" })).toEqual({});
    expect(opened(WEB, {}, false)).toBeNull();
  });

  it("reads its port, interface, origins and proxies", () => {
    expect(configure(WEB, {}, { env: { WEB_PORT: "8080" } })).toEqual({ web: { port: 8080, host: undefined, origins: [], trustedProxies: [] } });
    const given = { "web-port": "0", "web-host": "::1", "web-origins": " https://chat.example.com, http://localhost:8080 ", "trust-proxy": "10.0.0.1,::1" };
    expect(configure(WEB, given, { env: { WEB_PORT: "8080" } })).toEqual({
      web: { port: 0, host: "::1", origins: ["https://chat.example.com", "http://localhost:8080"], trustedProxies: ["10.0.0.1", "::1"] },
    });
  });

  it.each<[Record<string, string>, NodeJS.ProcessEnv, string]>([
    [{}, { WEB_PORT: "web" }, 'WEB_PORT must be a whole number from 0 to 65535, got "web"'],
    [{ "web-port": "-1" }, {}, '--web-port must be a whole number from 0 to 65535, got "-1"'],
    [{ "web-origins": "https://chat.example.com/" }, { WEB_PORT: "0" }, '--web-origins takes origins such as https://chat.example.com, got "https://chat.example.com/"'],
    [{ "web-origins": "ftp://chat.example.com" }, { WEB_PORT: "0" }, '--web-origins takes origins such as https://chat.example.com, got "ftp://chat.example.com"'],
    [{ "web-origins": "chat.example.com" }, { WEB_PORT: "0" }, '--web-origins takes origins such as https://chat.example.com, got "chat.example.com"'],
    [{ "trust-proxy": "10.0.0.1,proxy.local" }, { WEB_PORT: "0" }, '--trust-proxy takes IP addresses, got "proxy.local"'],
  ])("refuses %j with %j", (given, env, message) => {
    expect(usageError(() => configure(WEB, given, { env }))).toBe(message);
  });

  it("serves HTTP, or HTTPS with the TLS identity", () => {
    expect(opened(WEB, { web: { port: 0 } }, false)).toEqual({ transports: ["web"], reloads: false });
    expect(opened(WEB, { web: { port: 0 }, tls: TLS }, true)).toEqual({ transports: ["web-tls"], reloads: true });
  });
});

describe("the IRC door", () => {
  it("is off without --irc-port or --irc-tls-port, its other flags unread", () => {
    expect(configure(IRC, { "server-name": "not a name", "irc-lobby": "lobby" })).toEqual({});
    expect(opened(IRC, {}, false)).toBeNull();
  });

  it("reads its ports, the server's name, the lobby (lower case) and whether IRC users start in it (by default they do)", () => {
    expect(configure(IRC, { "irc-port": "6667", "server-name": "chat.test" })).toEqual({ irc: { port: 6667, serverName: "chat.test", lobby: "#lobby", joinLobby: true } });
    expect(configure(IRC, { "irc-tls-port": "6697", "server-name": "chat.test", "irc-lobby": "#Hall", "irc-join-lobby": "off" }, { tls: true })).toEqual({
      irc: { tlsPort: 6697, serverName: "chat.test", lobby: "#hall", joinLobby: false },
    });
  });

  it.each<[Record<string, string>, string]>([
    [{ "irc-port": "irc" }, '--irc-port must be a whole number from 0 to 65535, got "irc"'],
    [{ "irc-tls-port": "6697" }, "--irc-tls-port needs --tls-cert and --tls-key"],
    [{ "irc-port": "6667", "server-name": "chat_test" }, '--server-name takes a host name (letters, digits, "." and "-"), got "chat_test"'],
    [{ "irc-port": "6667", "irc-lobby": "lobby" }, '--irc-lobby takes a channel name: # then 1 to 32 letters, digits, "_" or "-", got "lobby"'],
    [{ "irc-port": "6667", "irc-join-lobby": "no" }, '--irc-join-lobby takes on or off, got "no"'],
  ])("refuses %j", (given, message) => {
    expect(usageError(() => configure(IRC, given))).toBe(message);
  });

  it("serves IRC, and IRC over TLS with the TLS identity, which it cannot do without", () => {
    const irc = { port: 0, tlsPort: 0, serverName: "chat.test", lobby: "#lobby" };
    expect(opened(IRC, { irc, tls: TLS }, true)).toEqual({ transports: ["irc", "irc-tls"], reloads: true });
    expect(opened(IRC, { irc: { ...irc, tlsPort: undefined } }, false)).toEqual({ transports: ["irc"], reloads: false });
    const withoutIdentity = (): unknown => opened(IRC, { irc }, false);
    expect(withoutIdentity).toThrow(ConfigError);
    expect(withoutIdentity).toThrow("IRC over TLS needs the TLS certificate and key");
  });
});

import type { ServerConfig } from "../../src/composition-root";
import { selfSignedCertificate, type Certificate } from "../support/certificates";
import { TcpClient } from "../support/tcp-client";
import { startTcpServer, type RunningServer } from "../support/tcp-server";
import { WsClient } from "../support/ws-client";

// The per-address limits on every door, with the loopback exemption off,
// from 127.0.0.x source addresses: Linux routes all of 127.0.0.0/8 to lo,
// so a client can pick its own.

/** A door as these tests see it: how to open it, be served by it, and be refused. */
interface Door {
  readonly name: string;
  /** The server's configuration that opens this door. */
  config(certificate: Certificate): Partial<ServerConfig>;
  port(server: RunningServer): number;
  /** Connects from `from` and shows that the connection is served (it answers a ping); resolves with how to close it. */
  served(port: number, from: string, ca: string): Promise<() => void>;
  /** Connects from `from`, expecting a refusal: what the client sees of it. */
  refused(port: number, from: string, ca: string): Promise<string>;
  /** What the client sees of a refusal for this reason. */
  says(reason: string): string;
}

const IRC = { host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" };
const tlsFiles = ({ certFile, keyFile }: Certificate) => ({ certFile, keyFile });

async function pinged(client: TcpClient, ping: string, pong: string): Promise<() => void> {
  client.send(ping);
  expect(await client.readLine()).toBe(pong);
  return () => client.close();
}

async function linesUntilClosed(connecting: Promise<TcpClient>): Promise<string> {
  return (await (await connecting).readUntilClosed()).join("\n");
}

/**
 * A TLS door says nothing: it drops the connection before the handshake,
 * which is not worth doing for it. (Node's message depends on whether the
 * drop came before the ClientHello was read, its code does not.)
 */
function handshakeFailure(connecting: Promise<unknown>): Promise<string> {
  return connecting.then(
    () => "served",
    (error: NodeJS.ErrnoException) => `dropped before the handshake: ${error.code}`,
  );
}

const NO_HANDSHAKE = "dropped before the handshake: ECONNRESET";

const lineServed = (client: Promise<TcpClient>) => client.then((connected) => pinged(connected, "PING", "PONG"));
// TcpClient splits lines at LF: an IRC line keeps the CR of its CRLF.
const ircServed = (client: Promise<TcpClient>) =>
  client.then((connected) => pinged(connected, "PING :x", ":chat.test PONG chat.test :x\r"));
async function wsServed(client: Promise<WsClient>): Promise<() => void> {
  const connected = await client;
  connected.send("PING");
  expect(await connected.readLine()).toBe("PONG");
  return () => connected.terminate();
}
const wsRefused = (client: Promise<WsClient>) => client.then(() => "served", (error: Error) => error.message);

const DOORS: Door[] = [
  {
    name: "line protocol over TCP",
    config: () => ({}),
    port: (server) => server.port,
    served: (port, from) => lineServed(TcpClient.connect(port, "127.0.0.1", from)),
    refused: (port, from) => linesUntilClosed(TcpClient.connect(port, "127.0.0.1", from)),
    says: (reason) => `ERR ${reason}`,
  },
  {
    name: "line protocol over TLS",
    config: (certificate) => ({ tls: tlsFiles(certificate) }),
    port: (server) => server.port,
    served: (port, from, ca) => lineServed(TcpClient.connectTls(port, ca, from)),
    refused: (port, from, ca) => handshakeFailure(TcpClient.connectTls(port, ca, from)),
    says: () => NO_HANDSHAKE,
  },
  {
    name: "WebSocket",
    config: () => ({ web: { port: 0, host: "127.0.0.1" } }),
    port: (server) => server.webPort,
    served: (port, from) => wsServed(WsClient.connect(port, { localAddress: from })),
    refused: (port, from) => wsRefused(WsClient.connect(port, { localAddress: from })),
    says: (reason) => `HTTP 503: ERR ${reason}`,
  },
  {
    name: "WebSocket over TLS",
    config: (certificate) => ({ tls: tlsFiles(certificate), web: { port: 0, host: "127.0.0.1" } }),
    port: (server) => server.webPort,
    served: (port, from, ca) => wsServed(WsClient.connect(port, { localAddress: from, ca })),
    refused: (port, from, ca) => handshakeFailure(WsClient.connect(port, { localAddress: from, ca })),
    says: () => NO_HANDSHAKE,
  },
  {
    name: "IRC",
    config: () => ({ irc: { port: 0, ...IRC } }),
    port: (server) => server.ircPort,
    served: (port, from) => ircServed(TcpClient.connect(port, "127.0.0.1", from)),
    refused: (port, from) => linesUntilClosed(TcpClient.connect(port, "127.0.0.1", from)),
    says: (reason) => `ERROR :Closing Link: * (${reason})\r`,
  },
  {
    name: "IRC over TLS",
    config: (certificate) => ({ tls: tlsFiles(certificate), irc: { tlsPort: 0, ...IRC } }),
    port: (server) => server.ircPort,
    served: (port, from, ca) => ircServed(TcpClient.connectTls(port, ca, from)),
    refused: (port, from, ca) => handshakeFailure(TcpClient.connectTls(port, ca, from)),
    says: () => NO_HANDSHAKE,
  },
];

let certificate: Certificate;
let server: RunningServer;

beforeAll(() => {
  certificate = selfSignedCertificate();
});

afterEach(() => server.app.stop({ graceMs: 100 }));

describe.each(DOORS)("$name with --no-exempt-loopback", (door) => {
  it("refuses the connection past --max-per-ip from one loopback address, serves another, and takes the first again once one closes", async () => {
    server = await startTcpServer({ ...door.config(certificate), exemptLoopback: false, maxConnectionsPerAddress: 2 });
    const port = door.port(server);
    const closeFirst = await door.served(port, "127.0.0.2", certificate.pem);
    await door.served(port, "127.0.0.2", certificate.pem);
    expect(await door.refused(port, "127.0.0.2", certificate.pem)).toBe(door.says("too-many-connections"));
    expect(server.logger.find("connections refused").map((entry) => entry.context)).toEqual([
      { refused: { "too-many-connections": 1 }, last: "127.0.0.2" },
    ]);
    await door.served(port, "127.0.0.3", certificate.pem);
    closeFirst();
    await server.logger.waitFor("connection closed");
    await door.served(port, "127.0.0.2", certificate.pem);
  });

  it("refuses a loopback address past --connect-burst, and serves another", async () => {
    // A rate so slow that no connection's worth comes back while the test runs.
    server = await startTcpServer({ ...door.config(certificate), exemptLoopback: false, connectBurst: 3, connectRatePerSecond: 0.001 });
    const port = door.port(server);
    for (let i = 0; i < 3; i++) {
      const close = await door.served(port, "127.0.0.2", certificate.pem);
      close();
    }
    expect(await door.refused(port, "127.0.0.2", certificate.pem)).toBe(door.says("connection-rate-exceeded"));
    expect(server.logger.find("connections refused").map((entry) => entry.context)).toEqual([
      { refused: { "connection-rate-exceeded": 1 }, last: "127.0.0.2" },
    ]);
    await door.served(port, "127.0.0.3", certificate.pem);
  });
});

describe("the loopback exemption", () => {
  it("is on by default: a loopback address is under neither --max-per-ip nor --connect-burst", async () => {
    server = await startTcpServer({ maxConnectionsPerAddress: 1, connectBurst: 1, connectRatePerSecond: 0.001 });
    for (let i = 0; i < 3; i++) await lineServed(TcpClient.connect(server.port, "127.0.0.1", "127.0.0.2"));
    expect(server.logger.find("connections refused")).toEqual([]);
  });

  it("off, a proxy on loopback listed in --trust-proxy is not limited itself: its clients are, by X-Forwarded-For", async () => {
    server = await startTcpServer({
      web: { port: 0, host: "127.0.0.1", trustedProxies: ["127.0.0.2"] },
      exemptLoopback: false,
      maxConnectionsPerAddress: 1,
    });
    const through = (client: string) =>
      WsClient.connect(server.webPort, { localAddress: "127.0.0.2", headers: { "x-forwarded-for": client } });
    await wsServed(through("198.51.100.20"));
    await wsServed(through("198.51.100.21"));
    expect(await wsRefused(through("198.51.100.20"))).toBe("HTTP 503: ERR too-many-connections");
  });
});

import net from "node:net";
import { networkInterfaces } from "node:os";
import tls from "node:tls";
import { FakeClock } from "../../src/testing/fake-clock";
import { selfSignedCertificate, type Certificate } from "../support/certificates";
import { TcpClient } from "../support/tcp-client";
import { startTcpServer, type RunningServer } from "../support/tcp-server";

/** The first 4 bytes of a TLS ClientHello: a handshake begun, never finished. */
const HELLO_START = Buffer.from([0x16, 0x03, 0x01, 0x00]);

function stalledHandshake(port: number): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.write(HELLO_START);
      resolve({ socket, closed: new Promise((done) => socket.once("close", () => done())) });
    });
    socket.on("error", () => undefined);
    socket.once("error", reject);
  });
}

function tlsClient(port: number, ca: string, options: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port, host: "127.0.0.1", ca, servername: "localhost", ...options }, () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("TLS hardening", () => {
  let certificate: Certificate;
  let server: RunningServer;
  beforeAll(() => {
    certificate = selfSignedCertificate();
  });
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("counts a connection from its TCP accept: stalled handshakes past the limit are closed at once, the rest after the handshake timeout (on the fake clock)", async () => {
    // Issue #10: 900 connections that sent 4 bytes of a ClientHello were all held open.
    const { certFile, keyFile } = certificate;
    const clock = new FakeClock();
    server = await startTcpServer(
      {
        maxConnections: 10,
        tls: { certFile, keyFile, handshakeTimeoutMs: 1500 },
        metrics: { port: 0, host: "127.0.0.1" },
      },
      { clock },
    );
    const stalled = [];
    for (let i = 0; i < 30; i++) stalled.push(await stalledHandshake(server.port));
    let closed = 0;
    for (const { closed: done } of stalled) void done.then(() => closed++);
    await Promise.all(stalled.slice(10).map(({ closed: done }) => done));
    // The ten admitted ones are still waiting for their handshake.
    expect(closed).toBe(20);
    clock.advance(1500);
    await Promise.all(stalled.slice(0, 10).map(({ closed: done }) => done));
    const timedOut = server.logger.find("TLS handshake failed").filter((entry) => entry.context.reason === "handshake-timeout");
    expect(timedOut).toHaveLength(10);
    const metrics = await (await fetch(`http://127.0.0.1:${server.app.metricsAddress!.port}/metrics`)).text();
    expect(metrics).toContain('chat_connections_refused_total{reason="server-full"} 20');
    expect(metrics).toContain('chat_connections_refused_total{reason="handshake-timeout"} 10');
    // Counted out again: a real client gets in.
    const client = await TcpClient.connectTls(server.port, certificate.pem);
    client.send("LOGIN alice");
    expect(await client.readLine()).toBe("OK");
  });

  it("drops the handshakes under way when it stops, at once, not at their timeout (TCP and web ports)", async () => {
    const { certFile, keyFile } = certificate;
    server = await startTcpServer({ tls: { certFile, keyFile, handshakeTimeoutMs: 60_000 }, web: { port: 0, host: "127.0.0.1" } });
    const stalled = [await stalledHandshake(server.port), await stalledHandshake(server.webPort)];
    await server.app.stop({ graceMs: 100 });
    // Within the test's time: they held the process open until their timeout before.
    await Promise.all(stalled.map(({ closed }) => closed));
    expect(server.logger.find("TLS handshake failed")).toEqual([]);
  });

  it("accepts TLS 1.2 and up only, before and after the certificate is read again (SIGHUP)", async () => {
    const { certFile, keyFile } = certificate;
    server = await startTcpServer({ tls: { certFile, keyFile } });
    const refusesOld = async (): Promise<void> => {
      await expect(tlsClient(server.port, certificate.pem, { minVersion: "TLSv1", maxVersion: "TLSv1.1" })).rejects.toThrow();
      const modern = await tlsClient(server.port, certificate.pem, { maxVersion: "TLSv1.2" });
      expect(modern.getProtocol()).toBe("TLSv1.2");
      modern.destroy();
    };
    await refusesOld();
    const report = server.app.reload({ plugins: ["login", "msg", "who", "dm", "ping", "quit"], pluginOptions: {} });
    expect(report.applied).toEqual([`TLS certificate ${certFile} read again`]);
    await refusesOld();
  });
});

const external = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === "IPv4" && !address.internal)?.address;

(external === undefined ? describe.skip : describe)(`from a non-loopback address (${external ?? "none here"})`, () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("refuses an address opening connections faster than --connect-burst and --connect-rate", async () => {
    // Issue #10: one address could open and close connections as fast as it liked.
    server = await startTcpServer({ host: external, connectBurst: 5, connectRatePerSecond: 0.1 });
    for (let i = 0; i < 5; i++) (await TcpClient.connect(server.port, external)).close();
    const sixth = await TcpClient.connect(server.port, external);
    expect(await sixth.readUntilClosed()).toEqual(["ERR connection-rate-exceeded"]);
    expect(server.logger.find("connections refused").map((entry) => entry.context)).toEqual([
      { refused: { "connection-rate-exceeded": 1 }, last: external },
    ]);
  });
});

import WebSocket from "ws";
import { FakeClock } from "../../src/testing/fake-clock";
import { selfSignedCertificate } from "../support/certificates";
import { TcpClient } from "../support/tcp-client";
import { startWebServer, type RunningServer } from "../support/tcp-server";
import { WsClient } from "../support/ws-client";

/** An HTTP request to the web port, answered as it came back. */
async function get(port: number, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe("the web door: WebSocket at /ws", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("carries the line protocol one text frame a line, with TCP users in the same chat", async () => {
    server = await startWebServer();
    const alice = await WsClient.login(server.webPort, "alice");
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("MSG hello from TCP");
    expect(await alice.readLine()).toBe("MSG bob hello from TCP");
    alice.send("MSG hello from the web");
    expect(await bob.readLine()).toBe("MSG alice hello from the web");
    alice.send("WHO");
    expect(await alice.readLines(3)).toEqual(["USER alice", "USER bob", "END WHO"]);
    alice.send("DM bob psst");
    expect(await bob.readLine()).toBe("DM alice psst");
    bob.send("QUIT");
    expect(await alice.readLine()).toBe("INFO bob disconnected");
    expect(alice.binary).toEqual([]);
  });

  it("reads a frame's text as a TCP line is read: a line ending inside makes two lines, bad UTF-8 and long lines are answered", async () => {
    server = await startWebServer({ maxLineBytes: 100 });
    const client = await WsClient.connect(server.webPort);
    client.send("PING\nPING");
    expect(await client.readLines(2)).toEqual(["PONG", "PONG"]);
    client.socket.send(Buffer.from([0x50, 0xff, 0x4e]), { binary: false });
    expect(await client.readLine()).toBe("ERR invalid-utf8");
    client.send(`MSG ${"x".repeat(200)}`);
    expect(await client.readLine()).toBe("ERR line-too-long");
    client.send("PING");
    expect(await client.readLine()).toBe("PONG");
  });

  it("closes on a frame past a line's worth, without reading it (1009)", async () => {
    server = await startWebServer({ maxLineBytes: 100 });
    const client = await WsClient.connect(server.webPort);
    client.send("x".repeat(5000));
    expect(await client.readUntilClosed()).toEqual({ lines: [], code: 1009, reason: "" });
  });

  it("refuses binary frames with 1003 and says why", async () => {
    server = await startWebServer();
    const client = await WsClient.connect(server.webPort);
    client.socket.send(Buffer.from("PING"), { binary: true });
    expect(await client.readUntilClosed()).toEqual({
      lines: [],
      code: 1003,
      reason: "binary frames are not accepted: send each line as a text frame",
    });
  });

  it("opens a WebSocket for the page's own origin and listed ones only (cross-site WebSocket hijacking)", async () => {
    server = await startWebServer({ web: { port: 0, host: "127.0.0.1", origins: ["https://chat.example.com"] } });
    await expect(WsClient.connect(server.webPort, { origin: "https://evil.example" })).rejects.toThrow("HTTP 403");
    await expect(WsClient.connect(server.webPort, { origin: `http://127.0.0.1:${server.port}` })).rejects.toThrow("HTTP 403");
    for (const origin of [`http://127.0.0.1:${server.webPort}`, "https://chat.example.com", undefined]) {
      const client = await WsClient.connect(server.webPort, { origin });
      client.send("PING");
      expect(await client.readLine()).toBe("PONG");
    }
    expect(server.logger.find("WebSocket refused: origin not allowed").map((entry) => entry.context.origin)).toEqual([
      "https://evil.example",
      `http://127.0.0.1:${server.port}`,
    ]);
  });

  it("counts WebSocket and TCP connections together against the limits, from the TCP accept", async () => {
    server = await startWebServer({ maxConnections: 2 });
    await TcpClient.connect(server.port);
    const web = await WsClient.connect(server.webPort);
    await expect(WsClient.connect(server.webPort)).rejects.toThrow("HTTP 503");
    const third = await TcpClient.connect(server.port);
    expect(await third.readUntilClosed()).toEqual(["ERR server-full"]);
    web.terminate();
    await web.closed;
    await server.logger.waitFor("connection closed");
    const again = await WsClient.connect(server.webPort);
    again.send("PING");
    expect(await again.readLine()).toBe("PONG");
  });

  it("drops a WebSocket client that never reads while the others get everything; it reads ERR send-queue-exceeded last", async () => {
    // On the fake clock: the linger after the farewell does not run out
    // however long the test takes to get to reading it.
    server = await startWebServer({ maxSendQueueBytes: 64 * 1024, rateLimitPerSecond: 0 }, { clock: new FakeClock() });
    const sleeper = await WsClient.login(server.webPort, "sleeper");
    const reader = await WsClient.login(server.webPort, "reader");
    const sender = await TcpClient.login(server.port, "sender");
    sleeper.stopReading();
    const filler = "z".repeat(4000);
    let sent = 0;
    const received: string[] = [];
    while (!received.includes("INFO sleeper disconnected") && sent < 20_000) {
      await sender.write(Array.from({ length: 100 }, (_, i) => `MSG ${sent + i} ${filler}\n`).join(""));
      sent += 100;
      received.push(...(await reader.readLines(100)));
    }
    received.push(...(await reader.readLines(sent + 1 - received.length)));
    expect(received.filter((line) => line.startsWith("MSG"))).toEqual(Array.from({ length: sent }, (_, i) => `MSG sender ${i} ${filler}`));
    sleeper.startReading();
    const { lines, code } = await sleeper.readUntilClosed();
    expect(lines.at(-1)).toBe("ERR send-queue-exceeded");
    expect(lines.slice(0, -1)).toEqual(Array.from({ length: lines.length - 1 }, (_, i) => `MSG sender ${i} ${filler}`));
    expect(code).toBe(1000);
  });

  it("closes an idle WebSocket with ERR idle-timeout, then a close frame (on the fake clock)", async () => {
    const clock = new FakeClock();
    server = await startWebServer({ idleTimeoutMs: 300 }, { clock });
    const client = await WsClient.connect(server.webPort);
    clock.advance(300);
    expect(await client.readUntilClosed()).toEqual({ lines: ["ERR idle-timeout"], code: 1000, reason: "" });
  });

  it("tells its WebSocket users INFO server-shutdown and closes them when the server stops", async () => {
    server = await startWebServer();
    const client = await WsClient.login(server.webPort, "alice");
    const stopping = server.app.stop({ graceMs: 1000 });
    expect(await client.readUntilClosed()).toEqual({ lines: ["INFO server-shutdown"], code: 1000, reason: "" });
    await stopping;
  });

  it("takes the client's address from X-Forwarded-For only from a listed proxy, and limits by it", async () => {
    server = await startWebServer({ maxConnectionsPerAddress: 1, web: { port: 0, host: "127.0.0.1", trustedProxies: ["127.0.0.1"] } });
    const forwarded = { "x-forwarded-for": "198.51.100.20, 127.0.0.1" };
    const first = await WsClient.connect(server.webPort, { headers: forwarded });
    first.send("PING");
    expect(await first.readLine()).toBe("PONG");
    // The same client through the proxy again: over its limit of one.
    await expect(WsClient.connect(server.webPort, { headers: forwarded })).rejects.toThrow("HTTP 503");
    // Another client behind the same proxy is another address.
    await WsClient.connect(server.webPort, { headers: { "x-forwarded-for": "198.51.100.21" } });
    const opened = server.logger.find("connection opened").map((entry) => entry.context.remote);
    expect(opened).toEqual(["198.51.100.20", "198.51.100.21"]);
  });

  it("ignores X-Forwarded-For from a peer that is not a listed proxy", async () => {
    server = await startWebServer();
    await WsClient.connect(server.webPort, { headers: { "x-forwarded-for": "198.51.100.20" } });
    expect(server.logger.find("connection opened").map((entry) => entry.context.remote)).toEqual(["127.0.0.1"]);
  });

  it("serves WSS and HTTPS with the TLS certificate", async () => {
    const certificate = selfSignedCertificate();
    server = await startWebServer({ tls: { certFile: certificate.certFile, keyFile: certificate.keyFile, port: 0 } });
    const socket = new WebSocket(`wss://127.0.0.1:${server.webPort}/ws`, { ca: certificate.pem, servername: "localhost" } as WebSocket.ClientOptions);
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => socket.send("PING"));
      socket.on("message", (data: Buffer) => {
        lines.push(data.toString());
        resolve();
      });
      socket.once("error", reject);
    });
    expect(lines).toEqual(["PONG"]);
    socket.terminate();
  });
});

describe("the web door: the client's files", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startWebServer();
  });
  afterAll(() => server.app.stop({ graceMs: 100 }));

  it("serves the page with a Content-Security-Policy that allows no inline script and connects only to its own origin", async () => {
    const page = await get(server.webPort, "/");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.body).toContain('<script type="module" src="app.js"></script>');
    expect(page.body).not.toMatch(/<script>|\son[a-z]+=/);
  });

  it.each([
    ["/app.js", "text/javascript; charset=utf-8"],
    ["/style.css", "text/css; charset=utf-8"],
    ["/favicon.svg", "image/svg+xml"],
  ])("serves %s as %s, revalidated by its ETag", async (path, type) => {
    const first = await get(server.webPort, path);
    expect([first.status, first.headers.get("content-type"), first.headers.get("cache-control")]).toEqual([200, type, "no-cache"]);
    const again = await get(server.webPort, path, { headers: { "if-none-match": first.headers.get("etag")! } });
    expect([again.status, again.body]).toEqual([304, ""]);
  });

  it.each(["/../package.json", "/%2e%2e/package.json", "/%2E%2E%2Fpackage.json", "/app.js/../../package.json", "/..%2f..%2fetc%2fpasswd", "/app.js.map", "/nothing"])(
    "reads nothing outside the client's files: %s is 404",
    async (path) => {
      const { status, body } = await get(server.webPort, path);
      expect([status, body]).toEqual([404, "not found\n"]);
    },
  );

  it("answers only GET and HEAD", async () => {
    expect((await get(server.webPort, "/", { method: "POST", body: "x" })).status).toBe(405);
    const head = await get(server.webPort, "/app.js", { method: "HEAD" });
    expect([head.status, head.body]).toEqual([200, ""]);
  });
});

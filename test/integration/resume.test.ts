import type { ServerConfig } from "../../src/composition-root";
import { FakeClock } from "../../src/testing/fake-clock";
import { selfSignedCertificate, type Certificate } from "../support/certificates";
import { TcpClient } from "../support/tcp-client";
import { askToken, numbered, readThrough, sendNumbered } from "../support/numbered";
import { startTcpServer, startWebServer, type RunningServer } from "../support/tcp-server";
import { WsClient } from "../support/ws-client";

describe("resumable sessions over TCP", () => {
  let server: RunningServer;
  let port: number;

  async function start(config: Partial<ServerConfig> = {}, clock?: FakeClock): Promise<void> {
    server = await startTcpServer({ rateLimitPerSecond: 0, ...config }, { clock });
    port = server.port;
  }

  /** Logs in and asks for a token: the client and its token. */
  async function resumable(username: string): Promise<{ client: TcpClient; token: string }> {
    const client = await TcpClient.login(port, username);
    const token = await askToken(client);
    expect(token).toMatch(/^[A-Za-z0-9_-]{24}$/);
    return { client, token };
  }

  /** Resets the client's connection and waits until the server has seen it. */
  async function drop(client: TcpClient, times = 1): Promise<void> {
    client.reset();
    await server.logger.waitFor("connection dropped, resumable", times);
  }

  afterEach(async () => {
    TcpClient.closeAll();
    await server.app.stop({ graceMs: 100 });
  });

  it("gives a connection that resumes within the grace every line it missed, once and in order; nobody sees it leave", async () => {
    await start();
    const { client: alice, token } = await resumable("alice");
    const bob = await TcpClient.login(port, "bob");
    const carol = await TcpClient.login(port, "carol");

    await sendNumbered(bob, 1, 200);
    const before = await alice.readLines(20);
    alice.reset();
    await sendNumbered(bob, 201, 300);
    bob.send("DM alice private");
    await server.logger.waitFor("connection dropped, resumable");
    // Counted after the TOKEN line: everything this client got, read or not.
    const received = alice.receivedCount - 2;
    const unread = await alice.readLines(received - 20);

    const again = await TcpClient.resume(port, token, received);
    const greeting = await again.readLine();
    expect(greeting).toMatch(/^RESUMED alice [A-Za-z0-9_-]{24}$/);
    expect(greeting).not.toContain(token);
    bob.send("MSG live");
    const replayed = await readThrough(again, "MSG bob live");

    expect([...before, ...unread, ...replayed]).toEqual([...numbered("bob", 1, 300), "DM bob private", "MSG bob live"]);
    // Carol saw the messages and nothing else: no departure, no login.
    carol.send("MSG end");
    expect(await readThrough(carol, "MSG bob live")).toEqual([...numbered("bob", 1, 300), "MSG bob live"]);
    expect(await readThrough(again, "MSG carol end")).toEqual(["MSG carol end"]);
    // The session is alice's in every way: she sends as alice, WHO shows her once.
    again.send("WHO");
    expect(await readThrough(again, "END WHO")).toEqual(["USER alice", "USER bob", "USER carol", "END WHO"]);
    again.send("MSG back");
    expect(await bob.readLines(2)).toEqual(["MSG carol end", "MSG alice back"]);
  });

  it("announces the departure once after the grace, and then refuses the token (on the fake clock)", async () => {
    const clock = new FakeClock();
    await start({ resumeGraceMs: 200 }, clock);
    const { client: alice, token } = await resumable("alice");
    const bob = await TcpClient.login(port, "bob");
    await drop(alice);
    clock.advance(200);

    expect(await bob.readLine()).toBe("INFO alice disconnected");
    const late = await TcpClient.resume(port, token, 0);
    expect(await late.readLine()).toBe("ERR resume-refused unknown-token");
    late.send("LOGIN alice");
    expect(await late.readLine()).toBe("OK");
    late.send("MSG hello");
    expect(await bob.readLine()).toBe("MSG alice hello");
  });

  it("keeps the name taken during the grace", async () => {
    await start();
    const { client: alice } = await resumable("alice");
    await drop(alice);
    const other = await TcpClient.connect(port);
    other.send("LOGIN alice");
    expect(await other.readLine()).toBe("ERR username-taken");
  });

  it("refuses a gap larger than what was kept, ends the old session and frees the name", async () => {
    await start({ resumeBufferBytes: 1024 });
    const { client: alice, token } = await resumable("alice");
    const bob = await TcpClient.login(port, "bob");
    const carol = await TcpClient.login(port, "carol");
    await drop(alice);
    await bob.write(`${Array.from({ length: 30 }, (_, i) => `MSG ${i} ${"x".repeat(60)}`).join("\n")}\n`);
    await carol.readLines(30);

    const again = await TcpClient.resume(port, token, 0);
    expect(await again.readLine()).toBe("ERR resume-refused gap-too-large");
    expect(await carol.readLine()).toBe("INFO alice disconnected");
    again.send("LOGIN alice");
    expect(await again.readLine()).toBe("OK");
  });

  it("resumes one of two connections racing with one token", async () => {
    await start();
    const { client: alice, token } = await resumable("alice");
    await drop(alice);
    const [first, second] = await Promise.all([TcpClient.connect(port), TcpClient.connect(port)]);
    first.send(`RESUME ${token} 0`);
    second.send(`RESUME ${token} 0`);
    const replies = [await first.readLine(), await second.readLine()].sort();
    expect(replies).toEqual([expect.stringMatching(/^ERR resume-refused unknown-token$/), expect.stringMatching(/^RESUMED alice /)]);
  });

  it("uses a token once: a resume issues a new one, and the old one is refused", async () => {
    await start();
    const { client: alice, token } = await resumable("alice");
    await drop(alice);
    const second = await TcpClient.resume(port, token, 0);
    const next = (await second.readLine()).split(" ")[2]!;
    await drop(second, 2);

    const third = await TcpClient.resume(port, token, 0);
    expect(await third.readLine()).toBe("ERR resume-refused unknown-token");
    third.send(`RESUME ${next} 0`);
    expect(await third.readLine()).toMatch(/^RESUMED alice /);
  });

  it("takes over a session whose old connection is still open: that one is closed, nobody else notices", async () => {
    await start();
    const { client: alice, token } = await resumable("alice");
    const bob = await TcpClient.login(port, "bob");
    bob.send("MSG one");
    expect(await alice.readLine()).toBe("MSG bob one");

    const phone = await TcpClient.resume(port, token, 1);
    expect(await phone.readLine()).toMatch(/^RESUMED alice /);
    expect(await alice.readUntilClosed()).toEqual([]);
    bob.send("MSG two");
    expect(await phone.readLine()).toBe("MSG bob two");
    phone.send("MSG hi");
    expect(await bob.readLine()).toBe("MSG alice hi");
  });

  it("refuses a count the server never reached without using the token up", async () => {
    await start();
    const { client: alice, token } = await resumable("alice");
    await drop(alice);
    const again = await TcpClient.connect(port);
    for (const wrong of ["5", "-1", "1e3", "x", ""]) again.send(`RESUME ${token} ${wrong}`.trimEnd());
    expect(await again.readLines(5)).toEqual([
      "ERR resume-refused bad-count",
      "ERR invalid-resume-format",
      "ERR invalid-resume-format",
      "ERR invalid-resume-format",
      "ERR invalid-resume-format",
    ]);
    again.send(`RESUME ${token} 0`);
    expect(await again.readLine()).toMatch(/^RESUMED alice /);
  });

  it("does not keep a session that quit, timed out or was never made resumable", async () => {
    await start({ resumeGraceMs: 60_000 });
    const { client: alice, token } = await resumable("alice");
    const bob = await TcpClient.login(port, "bob");
    const carol = await TcpClient.login(port, "carol");
    alice.send("QUIT");
    expect(await alice.readUntilClosed()).toEqual(["INFO bye"]);
    carol.reset();
    expect(await bob.readLines(2)).toEqual(["INFO alice disconnected", "INFO carol disconnected"]);

    const again = await TcpClient.resume(port, token, 0);
    expect(await again.readLine()).toBe("ERR resume-refused unknown-token");
  });

  it("answers RESUMABLE with an error when resuming is off, and RESUME on a logged-in connection with already-logged-in", async () => {
    await start({ resumeGraceMs: 0 });
    const alice = await TcpClient.login(port, "alice");
    alice.send("RESUMABLE");
    alice.send("RESUME abc 0");
    expect(await alice.readLines(2)).toEqual(["ERR resume-refused disabled", "ERR already-logged-in"]);
    const other = await TcpClient.connect(port);
    other.send("RESUMABLE");
    other.send("RESUME abc 0");
    expect(await other.readLines(2)).toEqual(["ERR must-login-first", "ERR resume-refused disabled"]);
  });
});

describe("a connection lost without QUIT, on every door that resumes", () => {
  /** What the tests do with a client, whatever its door. */
  type DoorClient = Pick<TcpClient, "send" | "readLine" | "readLines" | "receivedCount" | "endInput" | "reset"> & {
    readonly closed: Promise<unknown>;
    readUntilClosed(): Promise<string[] | { readonly lines: string[] }>;
  };

  /** Every line until the server closes (a WebSocket client also says how it closed: not asked here). */
  async function linesUntilClosed(client: DoorClient): Promise<string[]> {
    const read = await client.readUntilClosed();
    return Array.isArray(read) ? read : read.lines;
  }

  interface Door {
    readonly start: () => Promise<RunningServer>;
    readonly connect: (server: RunningServer) => Promise<DoorClient>;
    /** Ways its connection is lost without QUIT, by name. */
    readonly drops: readonly [string, (client: DoorClient) => void][];
  }

  const finAndReset: Door["drops"] = [
    ["FIN", (client) => client.endInput()],
    ["RST", (client) => client.reset()],
  ];
  let certificate: Certificate;
  const doors: [string, Door][] = [
    ["TCP", { start: () => startTcpServer(), connect: (server) => TcpClient.connect(server.port), drops: finAndReset }],
    [
      "TLS",
      {
        start: () => startTcpServer({ tls: { certFile: certificate.certFile, keyFile: certificate.keyFile } }),
        connect: (server) => TcpClient.connectTls(server.port, certificate.pem),
        drops: finAndReset,
      },
    ],
    [
      "WebSocket",
      {
        start: () => startWebServer(),
        connect: (server) => WsClient.connect(server.webPort),
        drops: [
          ...finAndReset,
          // A page closed, a WebSocket closed by script: a drop too, unless QUIT came first.
          ["close frame", (client) => (client as unknown as WsClient).socket.close(1000)],
        ],
      },
    ],
  ];

  beforeAll(() => {
    certificate = selfSignedCertificate();
  });

  describe.each(doors)("over %s", (_name, door) => {
    let server: RunningServer;

    async function login(username: string): Promise<DoorClient> {
      const client = await door.connect(server);
      client.send(`LOGIN ${username}`);
      expect(await client.readLine()).toBe("OK");
      return client;
    }

    beforeEach(async () => {
      server = await door.start();
    });

    afterEach(async () => {
      TcpClient.closeAll();
      WsClient.closeAll();
      await server.app.stop({ graceMs: 100 });
    });

    it.each(door.drops)("after a %s, nobody sees the user leave, and a resume gets every line it missed once, in order", async (drop, lose) => {
      const alice = await login("alice");
      const token = await askToken(alice);
      const bob = await login("bob");
      // A line sent just before a FIN is answered; one sent before a reset may be lost with it, unanswered.
      const lastWords = drop === "RST" ? [] : ["USER alice", "USER bob", "END WHO"];
      if (lastWords.length > 0) alice.send("WHO");
      lose(alice);
      await server.logger.waitFor("connection dropped, resumable");
      await alice.closed;
      for (let n = 1; n <= 10; n++) bob.send(`MSG ${n}`);
      bob.send("PING");
      expect(await bob.readLine()).toBe("PONG");

      // Counted after the TOKEN line: whatever reached the client before its connection closed.
      const received = alice.receivedCount - 2;
      const before = await alice.readLines(received);
      const again = await door.connect(server);
      again.send(`RESUME ${token} ${received}`);
      expect(await again.readLine()).toMatch(/^RESUMED alice /);
      bob.send("MSG live");
      expect([...before, ...(await readThrough(again, "MSG bob live"))]).toEqual([...lastWords, ...numbered("bob", 1, 10), "MSG bob live"]);
      again.send("MSG back");
      expect(await bob.readLine()).toBe("MSG alice back");
    });

    it("ends a session that QUIT before the FIN: the others are told, and the token is refused", async () => {
      const alice = await login("alice");
      const token = await askToken(alice);
      const bob = await login("bob");
      alice.send("QUIT");
      alice.endInput();
      expect(await linesUntilClosed(alice)).toEqual(["INFO bye"]);
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      const again = await door.connect(server);
      again.send(`RESUME ${token} 1`);
      expect(await again.readLine()).toBe("ERR resume-refused unknown-token");
    });

    it("answers a session never made resumable what it sent before its FIN, then it leaves", async () => {
      const alice = await login("alice");
      const bob = await login("bob");
      alice.send("WHO");
      alice.endInput();
      expect(await linesUntilClosed(alice)).toEqual(["USER alice", "USER bob", "END WHO"]);
      expect(await bob.readLine()).toBe("INFO alice disconnected");
    });
  });
});

import type { ChatApp } from "../../src/composition-root";
import { selfSignedCertificate } from "../support/certificates";
import { ClientProcess } from "../support/client-process";
import { TcpClient } from "../support/tcp-client";
import { TcpProxy } from "../support/tcp-proxy";
import { startTcpServer } from "../support/tcp-server";
import type { RecordingLogger } from "../../src/testing/recording-logger";

describe("chat-client against a real server", () => {
  let app: ChatApp;
  let port: number;
  let logger: RecordingLogger;
  const clients: ClientProcess[] = [];
  const client = (args: string[]): ClientProcess => {
    const started = new ClientProcess(["--host", "127.0.0.1", ...args]);
    clients.push(started);
    return started;
  };
  /** chat-client logged in as alice through `to` (the server's port, or a proxy's), once it says so. */
  const aliceConnected = async (to: number): Promise<ClientProcess> => {
    const alice = client(["--port", String(to), "--user", "alice"]);
    await alice.waitFor(`connected to 127.0.0.1:${to} as alice; /help for commands`);
    return alice;
  };

  beforeEach(async () => {
    ({ app, port, logger } = await startTcpServer({
      plugins: ["login", "msg", "who", "dm", "ping", "quit", "rooms", "resume"].map((name) => ({ name })),
      rateLimitPerSecond: 0,
    }));
  });
  afterEach(async () => {
    clients.splice(0).forEach((process) => process.kill());
    await app.stop({ graceMs: 100 });
  });

  it("logs in, shows who said what, and maps friendly input to the protocol", async () => {
    const bob = await TcpClient.login(port, "bob");
    const alice = await aliceConnected(port);

    bob.send("MSG hi alice");
    await alice.waitFor("bob: hi alice");
    bob.send("DM alice just you");
    await alice.waitFor("(DM) bob: just you");

    alice.type("hello bob");
    expect(await bob.readLine()).toBe("MSG alice hello bob");
    alice.type("/dm bob psst");
    expect(await bob.readLine()).toBe("DM alice psst");
    alice.type("/who");
    await alice.waitFor("online (2): bob, alice");
    alice.type("/dm carol hi");
    await alice.waitFor("! not sent: /dm carol hi (nobody named carol is online)");
    alice.type("/join #dev");
    await alice.waitFor("* you joined #dev");
    alice.type("/nonsense");
    await alice.waitFor("unknown command /nonsense (try /help)");

    bob.send("QUIT");
    await alice.waitFor("* bob left");
    alice.type("/quit");
    expect(await alice.exited).toBe(0);
    const screen = await alice.waitFor("* bob left");
    expect(screen.join("\n")).not.toMatch(/\u001b\[/); // no colours off a terminal
  });

  it("leaves when its input ends, as after Ctrl-D", async () => {
    const bob = await TcpClient.login(port, "bob");
    const alice = await aliceConnected(port);
    alice.type("last words");
    alice.endInput();
    expect(await bob.readLines(2)).toEqual(["MSG alice last words", "INFO alice disconnected"]);
    expect(await alice.exited).toBe(0);
  });

  /** bob on the server, alice's chat-client through a proxy that can drop her connection, her session resumable. */
  async function resumableBehindProxy(): Promise<{ proxy: TcpProxy; bob: TcpClient; alice: ClientProcess }> {
    const proxy = await TcpProxy.start(port);
    const bob = await TcpClient.login(port, "bob");
    const alice = await aliceConnected(proxy.port);
    await logger.waitFor("resumable");
    return { proxy, bob, alice };
  }

  it("resumes by itself when its connection drops: nothing missed, nothing twice, and nobody saw it leave", async () => {
    const { proxy, bob, alice } = await resumableBehindProxy();
    try {
      bob.send("MSG before");
      await alice.waitFor("bob: before");

      proxy.dropAll();
      await logger.waitFor("connection dropped, resumable");
      for (let i = 1; i <= 20; i++) bob.send(`MSG while ${i}`);
      bob.send("DM alice psst");
      // Typed once the client knows the connection is gone: a line typed before is written to it, and said to be not confirmed.
      await alice.waitFor("* connection lost; reconnecting");
      alice.type("typed while away");
      await alice.waitFor("* reconnected; nothing was missed");
      expect(await bob.readLine()).toBe("MSG alice typed while away");
      bob.send("MSG after");
      const screen = await alice.waitFor("bob: after");
      expect(screen.filter((line) => line.startsWith("bob") || line.startsWith("(DM)") || line.startsWith("*"))).toEqual([
        "bob: before",
        "* connection lost; reconnecting",
        "* reconnected; nothing was missed",
        ...Array.from({ length: 20 }, (_, i) => `bob: while ${i + 1}`),
        "(DM) bob: psst",
        "bob: after",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("logs in afresh when the session can no longer be resumed, and says what was missed", async () => {
    await app.stop({ graceMs: 100 });
    ({ app, port, logger } = await startTcpServer({ resumeGraceMs: 50 }));
    const { proxy, bob, alice } = await resumableBehindProxy();
    try {
      bob.send("MSG token first"); // once shown, the TOKEN line before it has arrived
      await alice.waitFor("bob: token first");
      proxy.dropAll();
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      await alice.waitFor("* reconnected as alice; what was said meanwhile was missed");
      alice.type("back");
      expect(await bob.readLine()).toBe("MSG alice back");
    } finally {
      await proxy.close();
    }
  });

  it("says so in words and exits 1 when the name is taken", async () => {
    await TcpClient.login(port, "alice");
    const alice = client(["--port", String(port), "--user", "Alice"]);
    expect(await alice.exited).toBe(1);
    expect(alice.stderr).toBe('chat-client: the name "Alice" is taken: choose another with --user\n');
  });

  it("says a line that starts with # to everyone after a backslash, and names a refused room message and DM", async () => {
    const bob = await TcpClient.login(port, "bob");
    const alice = await aliceConnected(port);
    alice.type("#1 priority is coffee");
    await alice.waitFor("! not sent: #1 priority is coffee (you are not in #1; to say it to everyone: \\#1 priority is coffee)");
    alice.type("/dm carol are you there?");
    await alice.waitFor("! not sent: /dm carol are you there? (nobody named carol is online)");
    alice.type("\\#1 priority is coffee");
    expect(await bob.readLine()).toBe("MSG alice \\#1 priority is coffee");
    bob.send("MSG \\#2 is tea");
    const screen = await alice.waitFor("bob: #2 is tea");
    expect(screen.filter((line) => line.startsWith("!"))).toHaveLength(2);
  });

  it("reconnects after a server restart, logs in afresh and says so", async () => {
    const alice = await aliceConnected(port);
    await logger.waitFor("resumable");
    await app.stop({ graceMs: 100 });
    await alice.waitFor("* server restarting; reconnecting");
    ({ app, port, logger } = await startTcpServer({ port }));
    const bob = await TcpClient.login(port, "bob");
    const screen = await alice.waitFor("* reconnected as alice; what was said meanwhile was missed");
    expect(screen.filter((line) => !line.startsWith("* reconnecting:"))).toEqual([
      `connected to 127.0.0.1:${port} as alice; /help for commands`,
      "* the server is shutting down",
      "* server restarting; reconnecting",
      "* reconnected as alice; what was said meanwhile was missed",
    ]);
    alice.type("back");
    expect(await bob.readLine()).toBe("MSG alice back");
  });

  it("exits 1 when it cannot connect", async () => {
    await app.stop({ graceMs: 100 });
    const alice = client(["--port", String(port), "--user", "alice"]);
    expect(await alice.exited).toBe(1);
    expect(alice.stderr).toBe(`chat-client: cannot connect to 127.0.0.1:${port}: connection refused (is the server running?)\n`);
  });

  it("exits 2 for a name the server would refuse, before connecting", async () => {
    const alice = client(["--port", String(port), "--user", "a/b"]);
    expect(await alice.exited).toBe(2);
    expect(alice.stderr).toMatch(/^chat-client: "a\/b" cannot be a name/);
  });

  it("connects over TLS, trusting a self-signed certificate given with --ca", async () => {
    const certificate = selfSignedCertificate();
    const secure = await startTcpServer({ tls: { certFile: certificate.certFile, keyFile: certificate.keyFile } });
    try {
      const refused = client(["--port", String(secure.port), "--user", "alice", "--tls"]);
      expect(await refused.exited).toBe(1);
      expect(refused.stderr).toContain("the server's certificate is self-signed");
      const alice = client(["--port", String(secure.port), "--user", "alice", "--tls", "--ca", certificate.certFile]);
      await alice.waitFor(`connected to 127.0.0.1:${secure.port} as alice; /help for commands`);
    } finally {
      clients.splice(0).forEach((process) => process.kill());
      await secure.app.stop({ graceMs: 100 });
    }
  });
});

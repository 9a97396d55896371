import type { ChatApp } from "../../src/composition-root";
import { FakeClock } from "../../src/testing/fake-clock";
import { TcpClient } from "../support/tcp-client";
import { startTcpServer as startServer } from "../support/tcp-server";

describe("the protocol over TCP", () => {
  let app: ChatApp;
  let port: number;
  const connect = (): Promise<TcpClient> => TcpClient.connect(port);
  const login = (name: string): Promise<TcpClient> => TcpClient.login(port, name);

  beforeEach(async () => {
    ({ app, port } = await startServer());
  });

  afterEach(() => app.stop({ graceMs: 100 }));

  it("runs a session of two users as PROTOCOL.md shows it", async () => {
    const alice = await login("alice");
    const bob = await login("Bob");

    alice.send("MSG hello   bob");
    alice.send("PING");
    expect(await alice.readLine()).toBe("PONG"); // and no echo before it
    expect(await bob.readLine()).toBe("MSG alice hello   bob");

    bob.send("WHO");
    expect(await bob.readLines(3)).toEqual(["USER alice", "USER Bob", "END WHO"]);

    bob.send("DM ALICE psst");
    expect(await alice.readLine()).toBe("DM Bob psst");
    bob.send("DM carol hi");
    expect(await bob.readLine()).toBe("ERR user-not-found carol");
    bob.send("DM alice");
    expect(await bob.readLine()).toBe("ERR invalid-dm-format");
    bob.send("MSG");
    expect(await bob.readLine()).toBe("ERR empty-message");

    alice.send("QUIT");
    expect(await alice.readUntilClosed()).toEqual(["INFO bye"]);
    expect(await bob.readLine()).toBe("INFO alice disconnected");
  });

  it("answers every error of LOGIN and of commands before it", async () => {
    await login("taken");
    const client = await connect();
    client.send("WHO");
    client.send("LOGIN TAKEN");
    client.send("LOGIN bad!name");
    // Two words are a name and a password (the accounts plugin, docs/ACCOUNTS.md): no account has them.
    client.send("LOGIN bad name");
    client.send("LOGIN free");
    client.send("LOGIN again");
    client.send("FROB x");
    expect(await client.readLines(7)).toEqual([
      "ERR must-login-first",
      "ERR username-taken",
      "ERR invalid-username",
      "ERR bad-credentials",
      "OK",
      "ERR already-logged-in",
      "ERR unknown-command FROB",
    ]);
  });

  it("tells the others once when a client resets or closes its connection", async () => {
    const watcher = await login("watcher");
    const resetter = await login("resetter");
    const closer = await login("closer");
    resetter.reset();
    expect(await watcher.readLine()).toBe("INFO resetter disconnected");
    closer.endInput();
    expect(await watcher.readLine()).toBe("INFO closer disconnected");
    watcher.send("WHO");
    expect(await watcher.readLines(2)).toEqual(["USER watcher", "END WHO"]);
  });

  describe("framing", () => {
    it("takes a command sent one byte per write", async () => {
      const client = await connect();
      for (const byte of Buffer.from("LOGIN slow\r\n")) await client.write(Uint8Array.of(byte));
      expect(await client.readLine()).toBe("OK");
    });

    it("takes ten commands in one write, in order", async () => {
      const bob = await login("bob");
      const alice = await connect();
      await alice.write(`LOGIN alice\r\n${Array.from({ length: 9 }, (_, i) => `msg ${i}\r\n`).join("")}`);
      expect(await alice.readLine()).toBe("OK");
      expect(await bob.readLines(9)).toEqual(Array.from({ length: 9 }, (_, i) => `MSG alice ${i}`));
    });

    it("answers a line over 4096 bytes once and stays usable; 4096 is fine", async () => {
      const alice = await login("alice");
      const bob = await login("bob");
      const fits = `MSG ${"a".repeat(4092)}`;
      await alice.write(`${fits}\r\nMSG ${"b".repeat(10_000)}\nPING\n`);
      expect(await alice.readLines(2)).toEqual(["ERR line-too-long", "PONG"]);
      expect(await bob.readLine()).toBe(`MSG alice ${"a".repeat(4092)}`);
    });

    it("answers invalid UTF-8, and relays valid UTF-8 untouched", async () => {
      const alice = await login("alice");
      const bob = await login("bob");
      await alice.write(Buffer.concat([Buffer.from("MSG \xff", "latin1"), Buffer.from("\nMSG gr\u00fc\u00df \u{1f44b}\n")]));
      expect(await alice.readLine()).toBe("ERR invalid-utf8");
      expect(await bob.readLine()).toBe("MSG alice gr\u00fc\u00df \u{1f44b}");
    });

    it("strips control characters from relayed text", async () => {
      const alice = await login("alice");
      const bob = await login("bob");
      alice.send("MSG \u001b[2Jgotcha\r");
      expect(await bob.readLine()).toBe("MSG alice [2Jgotcha");
    });

    it("delivers INFO bye to a client that sent more after QUIT, without a reset destroying it", async () => {
      const client = await connect();
      await client.write(`QUIT\n${"junk ".repeat(200_000)}\n`);
      expect(await client.readUntilClosed()).toEqual(["INFO bye"]);
    });

    it("answers what a client sent before it shut down its side, then closes", async () => {
      const client = await connect();
      await client.write("LOGIN piped\nWHO\n");
      client.endInput();
      expect(await client.readUntilClosed()).toEqual(["OK", "USER piped", "END WHO"]);
    });
  });

  it("on stop, tells every connection INFO server-shutdown and closes them", async () => {
    const alice = await login("alice");
    const stranger = await connect();
    await app.stop();
    expect(await alice.readUntilClosed()).toEqual(["INFO server-shutdown"]);
    expect(await stranger.readUntilClosed()).toEqual(["INFO server-shutdown"]);
  });
});

describe("the idle timeout over TCP (on the fake clock)", () => {
  it("drops a silent connection, logged in or not, and tells the others", async () => {
    const clock = new FakeClock();
    const { app, port } = await startServer({ idleTimeoutMs: 1000 }, { clock });
    const silent = await TcpClient.connect(port);
    const alice = await TcpClient.login(port, "alice");
    const bob = await TcpClient.login(port, "bob");
    const lines: string[] = [];
    try {
      // bob keeps talking, a line every 100 ms: each proves activity (read
      // once its answer is back), and alice's INFO arrives in between.
      for (let elapsed = 0; elapsed < 1000; elapsed += 100) {
        bob.send("PING");
        lines.push(await bob.readLine());
        clock.advance(100);
      }
      expect(await silent.readUntilClosed()).toEqual(["ERR idle-timeout"]);
      expect(await alice.readUntilClosed()).toEqual(["ERR idle-timeout"]);
      while (!lines.includes("INFO alice disconnected")) lines.push(await bob.readLine());
      expect(lines.filter((line) => line !== "PONG")).toEqual(["INFO alice disconnected"]);
    } finally {
      bob.close();
      await app.stop({ graceMs: 100 });
    }
  });
});

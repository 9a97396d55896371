import { definePlugin } from "../../../src/core/plugin-api";
import { linesOf, settle, startTestServer } from "../../../src/testing/test-server";

describe("a session", () => {
  describe("framing", () => {
    it("handles a command split into single bytes", async () => {
      const server = await startTestServer();
      const client = server.connect();
      for (const byte of Buffer.from("LOGIN alice\r\n")) client.write(Uint8Array.of(byte));
      expect(await linesOf(client)).toEqual(["OK"]);
    });

    it("handles ten commands in one packet, in order", async () => {
      const server = await startTestServer();
      const bob = await server.login("bob");
      const alice = server.connect();
      alice.write(`LOGIN alice\n${Array.from({ length: 9 }, (_, i) => `MSG ${i}\n`).join("")}`);
      expect(await linesOf(alice)).toEqual(["OK"]);
      expect(await linesOf(bob)).toEqual(Array.from({ length: 9 }, (_, i) => `MSG alice ${i}`));
    });

    it("ignores blank lines and spaces around a line", async () => {
      const server = await startTestServer();
      const client = server.connect();
      client.write("\n   \n\t\r\n   PING   \r\n");
      expect(await linesOf(client)).toEqual(["PONG"]);
    });

    it("answers an over-long line once and stays usable", async () => {
      const server = await startTestServer({ maxLineBytes: 64 });
      const client = server.connect();
      client.write(`MSG ${"x".repeat(100)}`);
      client.write(`${"y".repeat(100)}\nPING\n`);
      expect(await linesOf(client)).toEqual(["ERR line-too-long", "PONG"]);
    });

    it("answers a line of invalid UTF-8 and nothing else happens", async () => {
      const server = await startTestServer();
      const alice = await server.login("alice");
      const bob = await server.login("bob");
      alice.write(Buffer.concat([Buffer.from("MSG bad "), Buffer.from([0xc3, 0x28]), Buffer.from("\nPING\n")]));
      expect(await linesOf(alice)).toEqual(["ERR invalid-utf8", "PONG"]);
      expect(await linesOf(bob)).toEqual([]);
    });

    it("takes a tab as a separator", async () => {
      const server = await startTestServer();
      const alice = await server.login("alice");
      const bob = await server.login("bob");
      alice.send("MSG\thi\tthere");
      expect(await linesOf(bob)).toEqual(["MSG alice hi\tthere"]);
    });

    it("answers a last line without LF when the client shuts down its side", async () => {
      const server = await startTestServer();
      const client = server.connect();
      client.write("PING\nPING");
      client.endInput();
      expect(await linesOf(client)).toEqual(["PONG", "PONG"]);
      expect(client.closedByServer).toBe(true);
    });

    it("takes verbs in any case", async () => {
      const server = await startTestServer();
      const client = server.connect();
      client.write("pInG\nLogin alice\nwHo\n");
      expect(await linesOf(client)).toEqual(["PONG", "OK", "USER alice", "END WHO"]);
    });
  });

  describe("commands", () => {
    it("answers an unknown verb upper-cased, cut to 32 characters, printable only", async () => {
      const server = await startTestServer();
      const client = server.connect();
      client.write(`dance now\n${"z".repeat(40)}\nfo\u0007o\n\u0007\n`);
      expect(await linesOf(client)).toEqual([
        "ERR unknown-command DANCE",
        `ERR unknown-command ${"Z".repeat(32)}`,
        "ERR unknown-command FOO",
        "ERR unknown-command ?",
      ]);
    });

    it("folds only ASCII letters: a dotless i or a long s is not a verb's letter", async () => {
      const server = await startTestServer();
      const alice = await server.login("alice");
      const bob = await server.login("bob");
      alice.write("p\u0131ng\nM\u017fG sneaky\n");
      expect(await linesOf(alice)).toEqual(["ERR unknown-command P\u0131NG", "ERR unknown-command M\u017fG"]);
      expect(await linesOf(bob)).toEqual([]);
    });

    it("treats the verbs of a disabled plugin as unknown", async () => {
      const server = await startTestServer({ plugins: ["login", "ping"] });
      const alice = await server.login("alice");
      alice.write("MSG hi\nWHO\nPING\n");
      expect(await linesOf(alice)).toEqual(["ERR unknown-command MSG", "ERR unknown-command WHO", "PONG"]);
    });

    it("answers must-login-first to every command but LOGIN, PING and QUIT", async () => {
      const server = await startTestServer();
      const client = server.connect();
      client.write("MSG hi\nWHO\nDM bob hi\nPING\n");
      expect(await linesOf(client)).toEqual([
        "ERR must-login-first",
        "ERR must-login-first",
        "ERR must-login-first",
        "PONG",
      ]);
    });

    it("runs a connection's lines one at a time: later lines wait for an async command", async () => {
      let release: () => void = () => undefined;
      const slow = definePlugin({
        name: "slow",
        register({ commands }) {
          commands.add({
            verb: "SLOW",
            requiresLogin: false,
            async handle({ session }) {
              await new Promise<void>((resolve) => (release = resolve));
              session.reply("SLOW done");
            },
          });
        },
      });
      const server = await startTestServer({ plugins: ["ping", { name: "slow", plugin: slow }] });
      const client = server.connect();
      client.write("SLOW\nPING\n");
      expect(await linesOf(client)).toEqual([]);
      expect(client.paused).toBe(false); // nothing more came: no need to stop reading
      client.write("PING\n");
      expect(client.paused).toBe(true); // more came: it waits in the kernel
      release();
      expect(await linesOf(client)).toEqual(["SLOW done", "PONG", "PONG"]);
      expect(client.paused).toBe(false);
    });
  });

  describe("fairness", () => {
    it("lets others go first after 100 lines of one connection, then takes the rest in order", async () => {
      const server = await startTestServer({ rateLimitPerSecond: 0 });
      const busy = server.connect();
      const other = server.connect();
      busy.write("PING\n".repeat(250));
      other.send("PING");
      expect(busy.takeLines()).toHaveLength(100);
      expect(other.takeLines()).toEqual(["PONG"]);
      expect(await linesOf(busy)).toHaveLength(150);
    });
  });

  describe("a failing plugin", () => {
    const faulty = definePlugin({
      name: "faulty",
      register({ commands }) {
        commands.add({
          verb: "BOOM",
          handle() {
            throw new Error("kaboom");
          },
        });
        commands.add({
          verb: "LATER",
          async handle() {
            await Promise.resolve();
            throw new Error("rejected");
          },
        });
      },
    });

    it("answers ERR internal-error, logs the plugin and the error, and disturbs nobody", async () => {
      const server = await startTestServer({ plugins: ["login", "msg", { name: "faulty", plugin: faulty }] });
      const alice = await server.login("alice");
      const bob = await server.login("bob");
      alice.write("BOOM\nLATER\nMSG still here\n");
      expect(await linesOf(alice)).toEqual(["ERR internal-error", "ERR internal-error"]);
      expect(await linesOf(bob)).toEqual(["MSG alice still here"]);
      const failures = server.logger.find("command failed");
      expect(failures.map(({ level, context }) => [level, context.plugin, context.verb, (context.err as Error).message])).toEqual([
        ["error", "faulty", "BOOM", "kaboom"],
        ["error", "faulty", "LATER", "rejected"],
      ]);
    });
  });

  describe("leaving", () => {
    it("tells every other logged-in user once, whatever closes the connection", async () => {
      const server = await startTestServer({ idleTimeoutMs: 1000 });
      const watcher = await server.login("watcher");
      const quitter = await server.login("quitter");
      const dropper = await server.login("dropper");
      const idler = await server.login("idler");
      quitter.send("QUIT");
      dropper.disconnect();
      await settle();
      watcher.send("PING");
      server.clock.advance(999);
      watcher.send("PING");
      server.clock.advance(1); // only idler has been quiet for a whole second
      await settle();
      expect(await linesOf(watcher)).toEqual([
        "INFO quitter disconnected",
        "INFO dropper disconnected",
        "PONG",
        "PONG",
        "INFO idler disconnected",
      ]);
      expect(server.app.server.connectionCount).toBe(1);
      expect(idler.closedByServer).toBe(true);
    });

    it("nobody hears of a connection that never logged in", async () => {
      const server = await startTestServer();
      const bob = await server.login("bob");
      server.connect().disconnect();
      expect(await linesOf(bob)).toEqual([]);
    });

    it("answers what a client sent before shutting down its side, then closes", async () => {
      const server = await startTestServer();
      const bob = await server.login("bob");
      const alice = server.connect();
      alice.write("LOGIN alice\nWHO\n");
      alice.endInput();
      expect(await linesOf(alice)).toEqual(["OK", "USER bob", "USER alice", "END WHO"]);
      expect(alice.closedByServer).toBe(true);
      expect(await linesOf(bob)).toEqual(["INFO alice disconnected"]);
    });

    it("logs the close with its reason", async () => {
      const server = await startTestServer();
      const alice = await server.login("alice");
      alice.send("QUIT");
      await settle();
      expect(server.logger.find("connection closed").map((entry) => entry.context)).toEqual([
        { conn: 1, user: "alice", reason: "quit" },
      ]);
    });
  });

  describe("idle timeout", () => {
    it("drops a connection that sent no line for the timeout, before login too", async () => {
      const server = await startTestServer({ idleTimeoutMs: 60_000 });
      const client = server.connect();
      server.clock.advance(59_999);
      expect(client.closedByServer).toBe(false);
      server.clock.advance(1);
      expect(await linesOf(client)).toEqual(["ERR idle-timeout"]);
      expect(client.closedByServer).toBe(true);
      expect(server.logger.find("connection closed")[0]?.context).toMatchObject({ reason: "idle" });
    });

    it("counts any complete line as activity, measured from the last one", async () => {
      const server = await startTestServer({ idleTimeoutMs: 60_000 });
      const client = server.connect();
      server.clock.advance(30_000);
      client.send("bogus");
      server.clock.advance(59_999);
      expect(client.closedByServer).toBe(false);
      server.clock.advance(1);
      expect(client.closedByServer).toBe(true);
    });

    it.each([
      ["an empty line", "\n"],
      ["an empty line with CRLF", "\r\n"],
      ["a line of spaces and tabs", " \t  \t\r\n"],
    ])("counts %s as activity, and answers nothing to it", async (_case, line) => {
      const server = await startTestServer({ idleTimeoutMs: 60_000 });
      const client = server.connect();
      server.clock.advance(30_000);
      client.write(line);
      server.clock.advance(59_999);
      expect(await linesOf(client)).toEqual([]);
      expect(client.closedByServer).toBe(false);
      server.clock.advance(1);
      expect(await linesOf(client)).toEqual(["ERR idle-timeout"]);
      expect(client.closedByServer).toBe(true);
    });

    it("does not count a partial line as activity", async () => {
      const server = await startTestServer({ idleTimeoutMs: 60_000 });
      const client = server.connect();
      server.clock.advance(30_000);
      client.write("PIN");
      server.clock.advance(30_000);
      expect(await linesOf(client)).toEqual(["ERR idle-timeout"]);
    });

    it("never fires when disabled", async () => {
      const server = await startTestServer({ idleTimeoutMs: 0 });
      const client = server.connect();
      server.clock.advance(24 * 3600 * 1000);
      expect(client.closedByServer).toBe(false);
      expect(server.clock.pending).toBe(0);
    });

    it("leaves no timer behind once a connection closes", async () => {
      const server = await startTestServer({ idleTimeoutMs: 60_000 });
      server.connect().disconnect();
      (await server.login("alice")).send("QUIT");
      expect(server.clock.pending).toBe(0);
    });
  });
});

import { definePlugin, type ChatMessage } from "../../../src/core/plugin-api";
import type { FakeClient } from "../../../src/testing/in-memory-transport";
import { expectLines, linesOf, settle, startTestServer } from "../../../src/testing/test-server";
import { replayHistory, slowLoginHook } from "../../support/slow-login";

const base = ["login", "msg", "dm", "quit"];

describe("hooks", () => {
  it("run onLogin after the OK and before the connection's next line, in plugin order", async () => {
    const greet = (name: string) =>
      definePlugin({
        name,
        register({ hooks }) {
          hooks.onLogin(async ({ session, username }) => {
            await Promise.resolve();
            session.reply(`INFO ${name} welcomes ${username}`);
          });
        },
      });
    const server = await startTestServer({ plugins: [...base, "ping", { name: "first", plugin: greet("first") }, { name: "second", plugin: greet("second") }] });
    const client = server.connect();
    client.write("LOGIN alice\nPING\n");
    await expectLines(client, "OK", "INFO first welcomes alice", "INFO second welcomes alice", "PONG");
  });

  it("come before what others send meanwhile: a hook's replies follow the OK, the events wait for it", async () => {
    const { plugin, open } = slowLoginHook("alice", { after: replayHistory });
    const server = await startTestServer({ plugins: [...base, plugin] });
    const bob = await server.login("bob");
    const alice = server.connect();
    alice.send("LOGIN alice");
    await settle();
    bob.send("MSG while alice logs in");
    bob.send("DM alice psst");
    await expectLines(alice, "OK");
    open();
    await expectLines(alice, "HISTORY carol earlier", "END HISTORY", "MSG bob while alice logs in", "DM bob psst");
  });

  it("hold no more for a client logging in than its send queue: past it, it is dropped", async () => {
    const { plugin, open } = slowLoginHook("alice");
    const server = await startTestServer({ plugins: [...base, plugin], maxSendQueueBytes: 4096, rateLimitPerSecond: 0 });
    const bob = await server.login("bob");
    const alice = server.connect();
    alice.send("LOGIN alice");
    await settle();
    for (let i = 0; i < 5; i++) bob.send(`MSG ${i} ${"x".repeat(1000)}`);
    await settle();
    expect(await linesOf(alice)).toEqual(["OK", "ERR send-queue-exceeded"]);
    await expectLines(bob, "INFO alice disconnected");
    open();
  });

  it("run onDisconnect with the user and why, after the others were told", async () => {
    const seen: string[] = [];
    const watcher = definePlugin({
      name: "watcher",
      register({ hooks }) {
        hooks.onDisconnect(({ username, reason }) => void seen.push(`${username} ${reason}`));
      },
    });
    const server = await startTestServer({ plugins: [...base, { name: "watcher", plugin: watcher }], idleTimeoutMs: 1000 });
    const bob = await server.login("bob");
    (await server.login("quitter")).send("QUIT");
    (await server.login("dropper")).disconnect();
    await server.login("sleeper");
    server.connect().disconnect(); // never logged in: no event
    bob.send("MSG still here");
    server.clock.advance(1000);
    await settle();
    expect(seen).toEqual(["quitter quit", "dropper client-closed", "bob idle", "sleeper idle"]);
  });

  it("run onDisconnect only once the others have the INFO line", async () => {
    const heardByBobFirst: string[][] = [];
    let bob: FakeClient | undefined;
    const watcher = definePlugin({
      name: "watcher",
      register: ({ hooks }) => hooks.onDisconnect(() => void heardByBobFirst.push(bob!.takeLines())),
    });
    const server = await startTestServer({ plugins: [...base, { name: "watcher", plugin: watcher }] });
    bob = await server.login("bob");
    (await server.login("alice")).send("QUIT");
    await settle();
    expect(heardByBobFirst).toEqual([["INFO alice disconnected"]]);
  });

  describe("beforeMessage", () => {
    const hook = (name: string, run: (message: ChatMessage) => unknown) =>
      ({ name, plugin: definePlugin({ name, register: ({ hooks }) => hooks.beforeMessage(run as never) }) });

    it("may change the text; later hooks see the change; onMessage hears the final text", async () => {
      const heard: string[] = [];
      const listener = definePlugin({
        name: "listener",
        register: ({ hooks }) => hooks.onMessage(({ to, text }) => void heard.push(`${to.kind}: ${text}`)),
      });
      const server = await startTestServer({
        plugins: [
          ...base,
          hook("upper", ({ text }) => ({ text: text.toUpperCase() })),
          hook("exclaim", async ({ text }) => ({ text: `${text}!` })),
          { name: "listener", plugin: listener },
        ],
      });
      const alice = await server.login("alice");
      const bob = await server.login("bob");
      alice.write("MSG hello\nDM bob psst\nDM ghost boo\n");
      await expectLines(bob, "MSG alice HELLO!", "DM alice PSST!");
      await expectLines(alice, "ERR user-not-found ghost");
      expect(heard).toEqual(["everyone: HELLO!", "user: PSST!"]);
    });

    it("may refuse a message with its own line to the sender; nobody gets it", async () => {
      const server = await startTestServer({
        plugins: [...base, hook("filter", ({ text }) => (text.includes("spam") ? { refuse: "ERR no-spam" } : undefined))],
      });
      const alice = await server.login("alice");
      const bob = await server.login("bob");
      alice.write("MSG buy spam\nDM bob spam too\nMSG fine\n");
      await expectLines(alice, "ERR no-spam", "ERR no-spam");
      await expectLines(bob, "MSG alice fine");
    });

    it("refuses with ERR internal-error when a hook throws or rejects, logs it with the plugin, and goes on", async () => {
      const server = await startTestServer({
        plugins: [
          ...base,
          hook("flaky", ({ text }) => {
            if (text === "boom") throw new Error("hook exploded");
            if (text === "later") return Promise.reject(new Error("hook rejected"));
            return undefined;
          }),
        ],
      });
      const alice = await server.login("alice");
      const bob = await server.login("bob");
      alice.write("MSG boom\nMSG later\nMSG fine\n");
      await expectLines(alice, "ERR internal-error", "ERR internal-error");
      await expectLines(bob, "MSG alice fine");
      expect(server.logger.find("hook failed").map(({ context }) => [context.plugin, context.hook, (context.err as Error).message])).toEqual([
        ["flaky", "beforeMessage", "hook exploded"],
        ["flaky", "beforeMessage", "hook rejected"],
      ]);
    });
  });

  it("isolate a failing onLogin, onMessage or onDisconnect hook: the others still run", async () => {
    const ran: string[] = [];
    const failing = definePlugin({
      name: "failing",
      register({ hooks }) {
        hooks.onLogin(() => {
          throw new Error("login hook");
        });
        hooks.onMessage(() => {
          throw new Error("message hook");
        });
        hooks.onDisconnect(async () => {
          throw new Error("disconnect hook");
        });
      },
    });
    const working = definePlugin({
      name: "working",
      register({ hooks }) {
        hooks.onLogin(({ username }) => void ran.push(`login ${username}`));
        hooks.onMessage(({ text }) => void ran.push(`message ${text}`));
        hooks.onDisconnect(({ username }) => void ran.push(`gone ${username}`));
      },
    });
    const server = await startTestServer({ plugins: [...base, { name: "failing", plugin: failing }, { name: "working", plugin: working }] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("MSG hi");
    await expectLines(bob, "MSG alice hi");
    alice.send("QUIT");
    await settle();
    expect(ran).toEqual(["login alice", "login bob", "message hi", "gone alice"]);
    expect(server.logger.find("hook failed").map(({ context }) => context.hook)).toEqual([
      "onLogin",
      "onLogin",
      "onMessage",
      "onDisconnect",
    ]);
  });
});

describe("verb extensions", () => {
  const tagged = definePlugin({
    name: "tagged",
    dependencies: ["msg"],
    register({ commands }) {
      commands.extend("MSG", async ({ session, args }, next) => {
        if (args === "secret") return session.reply("ERR not-here");
        if (args === "crash") throw new Error("extension broke");
        await next();
      });
    },
  });

  it("run before the verb's own handler, which runs when they call next()", async () => {
    const server = await startTestServer({ plugins: [...base, { name: "tagged", plugin: tagged }] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.write("MSG secret\nMSG crash\nMSG open\n");
    await expectLines(alice, "ERR not-here", "ERR internal-error");
    await expectLines(bob, "MSG alice open");
    expect(server.logger.find("command failed")[0]?.context).toMatchObject({ plugin: "tagged", verb: "MSG" });
  });

  it("of a verb nobody provides stop the server from starting", async () => {
    await expect(startTestServer({ plugins: ["login", { name: "tagged", plugin: { ...tagged, dependencies: [] } }] })).rejects.toThrow(
      'plugin "tagged": extends verb MSG, which no loaded plugin provides',
    );
  });

  it("leave the verb's login rule in force", async () => {
    const server = await startTestServer({ plugins: [...base, { name: "tagged", plugin: tagged }] });
    const stranger = server.connect();
    stranger.send("MSG secret");
    expect(await linesOf(stranger)).toEqual(["ERR must-login-first"]);
  });
});

import { definePlugin, type ChatPlugin } from "../../../src/core/plugin-api";
import { expectLines, linesOf, settle, startTestServer } from "../../../src/testing/test-server";

const base = ["login", "msg", "dm", "quit"];
const as = (plugin: object) => ({ name: (plugin as ChatPlugin).name, plugin });

/** Lets promise chains run without letting an event-loop turn pass. */
async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 5000; i++) await Promise.resolve();
}

describe("a plugin cannot take the server down", () => {
  it("by rejecting in an async onMessage hook", async () => {
    const rejecting = definePlugin({
      name: "rejecting",
      register: ({ hooks }) =>
        hooks.onMessage(async () => {
          throw new Error("rejected after delivery");
        }),
    });
    const server = await startTestServer({ plugins: [...base, as(rejecting)] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("MSG boom");
    await expectLines(bob, "MSG alice boom");
    expect(server.logger.find("hook failed").map(({ context }) => [context.plugin, (context.err as Error).message])).toEqual([
      ["rejecting", "rejected after delivery"],
    ]);
  });

  it("by not waiting for next() in an extension whose successor fails", async () => {
    const careless = definePlugin({
      name: "careless",
      register: ({ commands }) =>
        commands.extend("MSG", (_context, next) => {
          void next();
        }),
    });
    const failing = definePlugin({
      name: "failing",
      register: ({ commands }) =>
        commands.extend("MSG", async () => {
          await Promise.resolve();
          throw new Error("second extension failed");
        }),
    });
    const server = await startTestServer({ plugins: [...base, as(careless), as(failing)] });
    const alice = await server.login("alice");
    alice.send("MSG hi");
    await expectLines(alice, "ERR internal-error");
    expect(server.logger.find("command failed")[0]?.context).toMatchObject({ plugin: "failing", verb: "MSG" });
  });

  it("by calling next() twice: the verb runs once, and the extension is blamed", async () => {
    const twice = definePlugin({
      name: "twice",
      register: ({ commands }) =>
        commands.extend("MSG", async (_context, next) => {
          await next();
          await next();
        }),
    });
    const server = await startTestServer({ plugins: [...base, as(twice)] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("MSG once");
    await expectLines(bob, "MSG alice once");
    await expectLines(alice, "ERR internal-error");
    expect((server.logger.find("command failed")[0]?.context.err as Error).message).toBe("next() called more than once");
  });

  it("by registering asynchronously", async () => {
    const lazy = { name: "lazy", register: async () => Promise.reject(new Error("too late")) };
    await expect(startTestServer({ plugins: [...base, as(lazy)] })).rejects.toThrow(
      'plugin "lazy": register must finish before it returns; it returned a promise',
    );
  });
});

describe("beforeMessage verdicts are checked like input", () => {
  it.each<[string, unknown, string[], string[]]>([
    ["a refusal without a line", { refuse: undefined }, ["ERR internal-error"], []],
    ["an empty object", {}, ["ERR internal-error"], []],
    ["null", null, ["ERR internal-error"], []],
    ["an empty text", { text: "" }, ["ERR empty-message"], []],
    ["a text with line breaks", { text: "a\nINFO bob disconnected" }, [], ["MSG alice aINFO bob disconnected"]],
    ["a refusal with controls", { refuse: "ERR nope\n\u001b[2J" }, ["ERR nope[2J"], []],
  ])("%s", async (_case, verdict, toAlice, toBob) => {
    const odd = definePlugin({ name: "odd", register: ({ hooks }) => hooks.beforeMessage(() => verdict as never) });
    const server = await startTestServer({ plugins: [...base, as(odd)] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("MSG original");
    await expectLines(alice, ...toAlice);
    await expectLines(bob, ...toBob);
  });
});

describe("races with a client that leaves", () => {
  it("drops a message whose sender left while a hook was deciding", async () => {
    let decide: () => void = () => undefined;
    const slow = definePlugin({
      name: "slow",
      register: ({ hooks }) => hooks.beforeMessage(() => new Promise<void>((resolve) => (decide = resolve))),
    });
    const server = await startTestServer({ plugins: [...base, as(slow)] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("MSG I am leaving");
    await settle();
    alice.disconnect();
    decide();
    await expectLines(bob, "INFO alice disconnected");
  });

  it("does not put a client that already left into a room", async () => {
    let release: () => void = () => undefined;
    const autojoin = definePlugin({
      name: "autojoin",
      dependencies: ["rooms"],
      register: ({ hooks, room }) =>
        hooks.onLogin(async ({ session }) => {
          await new Promise<void>((resolve) => (release = resolve));
          await room.join(session, "#lobby");
        }),
    });
    const server = await startTestServer({ plugins: [...base, "rooms", as(autojoin)] });
    const ghost = server.connect();
    ghost.send("LOGIN ghost");
    await settle();
    ghost.disconnect();
    release();
    await settle();
    const bob = server.connect();
    bob.send("LOGIN bob");
    await settle();
    release();
    await settle();
    bob.send("ROOMS");
    await expectLines(bob, "OK", "ROOM #lobby 1", "END ROOMS");
  });
});

describe("per-turn fairness", () => {
  it("holds for async commands too: 100 MSG lines a turn, then the others", async () => {
    const server = await startTestServer({ plugins: base, rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.write("MSG x\n".repeat(1000));
    await flushMicrotasks();
    expect(bob.takeLines()).toHaveLength(100);
    expect(await linesOf(bob)).toHaveLength(900);
  });
});

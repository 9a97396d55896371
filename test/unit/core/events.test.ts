import { definePlugin, type PluginApi } from "../../../src/core/plugin-api";
import { Room } from "../../../src/core/room";
import { linesOf, startTestServer } from "../../../src/testing/test-server";

const base = ["login", "msg", "ping"];

describe("plugins' own events", () => {
  const dice = definePlugin({
    name: "dice",
    register({ commands, events }) {
      events.define("rolled", {
        line: ({ user, result }) => `ROLLED ${user} ${result}`,
        irc: ({ user, result }) => `${user} rolls ${result}`,
      });
      events.define("broken", {
        line: () => {
          throw new Error("no line for this");
        },
      });
      commands.add({
        verb: "ROLL",
        async handle({ session }) {
          await events.emit("rolled", { kind: "everyone" }, { user: session.username!, result: 4 });
        },
      });
      commands.add({
        verb: "BREAK",
        async handle() {
          await events.emit("broken", { kind: "everyone" }, {});
        },
      });
      commands.add({
        verb: "UNDEFINED",
        async handle() {
          await events.emit("nothing", { kind: "everyone" }, {});
        },
      });
    },
  });

  it("are shown in the line protocol as the plugin's line renderer says, to everyone the plugin names", async () => {
    const server = await startTestServer({ plugins: [...base, { name: "dice", plugin: dice }] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("ROLL");
    expect(await linesOf(alice)).toEqual(["ROLLED alice 4"]);
    expect(await linesOf(bob)).toEqual(["ROLLED alice 4"]);
  });

  it("are not shown where the renderer fails; the failure is logged with the plugin's name", async () => {
    const server = await startTestServer({ plugins: [...base, { name: "dice", plugin: dice }] });
    const alice = await server.login("alice");
    alice.send("BREAK");
    alice.send("PING");
    expect(await linesOf(alice)).toEqual(["PONG"]);
    expect(server.logger.find("event renderer failed").map(({ context }) => [context.plugin, context.event, (context.err as Error).message])).toEqual([
      ["dice", "broken", "no line for this"],
    ]);
  });

  it("must be defined before they are sent", async () => {
    const server = await startTestServer({ plugins: [...base, { name: "dice", plugin: dice }] });
    const alice = await server.login("alice");
    alice.send("UNDEFINED");
    expect(await linesOf(alice)).toEqual(["ERR internal-error"]);
    expect((server.logger.find("command failed")[0]!.context.err as Error).message).toBe('plugin "dice" defined no event "nothing"');
  });

  it.each([
    ["a bad name", (api: PluginApi<unknown>) => api.events.define("Not OK", { line: () => "" }), 'plugin "bad": invalid event name "Not OK"'],
    ["no rendering", (api: PluginApi<unknown>) => api.events.define("x", {} as never), 'plugin "bad": event x: renderings are functions by door, "text" the default; at least one is needed'],
    ["a rendering that is not a function", (api: PluginApi<unknown>) => api.events.define("x", { text: "hi" } as never), 'plugin "bad": event x: renderings are functions by door, "text" the default; at least one is needed'],
    [
      "a name twice",
      (api: PluginApi<unknown>) => {
        api.events.define("x", { line: () => "" });
        api.events.define("x", { line: () => "" });
      },
      'plugin "bad": event x is defined twice',
    ],
  ])("are refused at load with %s", async (_case, register, message) => {
    const bad = { name: "bad", register };
    await expect(startTestServer({ plugins: [...base, { name: "bad", plugin: bad }] })).rejects.toThrow(message);
  });
});

describe("the room's seam", () => {
  it("takes only the handles of its own connections: a fake one is refused with a TypeError", async () => {
    const server = await startTestServer();
    const room = server.app.container.resolve(Room);
    const fake = { id: 4242, remoteAddress: "10.9.9.9", username: null, reply() {}, replyLines() {}, end() {} };
    await expect(room.login(fake, "mallory")).rejects.toThrow("connection 4242 is not one of this server's");
  });

  it("announces logins only to users whose protocol shows them: the line protocol shows none", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    await server.login("bob");
    expect(await linesOf(alice)).toEqual([]);
  });
});

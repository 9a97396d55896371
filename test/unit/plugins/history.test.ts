import { definePlugin } from "../../../src/core/plugin-api";
import { TOKENS } from "../../../src/core/tokens";
import { expectLines, settle, startTestServer } from "../../../src/testing/test-server";

describe("history", () => {
  it("replays the last messages to everyone right after OK, oldest first, then END HISTORY", async () => {
    const server = await startTestServer({
      plugins: ["login", "msg", "dm", "history"].map((name) => (name === "history" ? { name, options: { size: 3 } } : name)),
    });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    await expectLines(alice, "END HISTORY");
    await expectLines(bob, "END HISTORY");
    alice.write("MSG one\nMSG two\nDM bob not kept\nMSG three\n");
    await settle();
    bob.send("MSG four");
    await settle();
    const carol = server.connect();
    carol.send("LOGIN carol");
    await expectLines(carol, "OK", "HISTORY alice two", "HISTORY alice three", "HISTORY bob four", "END HISTORY");
  });

  it("skips what an earlier version kept (not JSON, or not a message) instead of losing the whole replay", async () => {
    const server = await startTestServer({ plugins: ["login", "msg", "history"] });
    const lists = server.app.container.resolve(TOKENS.Lists);
    await lists.push("history:messages", "alice kept by 0.1", 20);
    await lists.push("history:messages", '{"from":7}', 20);
    const bob = await server.login("bob");
    await expectLines(bob, "END HISTORY");
    bob.send("MSG kept now");
    await settle();
    const carol = server.connect();
    carol.send("LOGIN carol");
    await expectLines(carol, "OK", "HISTORY bob kept now", "END HISTORY");
    expect(server.logger.find("the history could not be read")).toEqual([]);
  });

  it("skips room messages and DMs: only messages to everyone are replayed", async () => {
    const server = await startTestServer({ plugins: ["login", "msg", "dm", "rooms", "history"], rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    await expectLines(alice, "END HISTORY");
    await expectLines(bob, "END HISTORY");
    alice.send("JOIN #dev");
    await expectLines(alice, "OK");
    bob.send("JOIN #dev");
    await expectLines(bob, "OK");
    await expectLines(alice, "INFO bob joined #dev");
    alice.write("MSG before\nMSG #dev in the room\nDM bob just you\nMSG after\n");
    await settle();
    await expectLines(bob, "MSG alice before", "MSG alice #dev in the room", "DM alice just you", "MSG alice after");
    const carol = server.connect();
    carol.send("LOGIN carol");
    await expectLines(carol, "OK", "HISTORY alice before", "HISTORY alice after", "END HISTORY");
  });

  it("keeps the text as delivered, after other plugins' hooks changed it", async () => {
    const shout = definePlugin({
      name: "shout",
      register({ hooks }) {
        hooks.beforeMessage(({ text }) => ({ text: text.toUpperCase() }));
      },
    });
    const server = await startTestServer({ plugins: ["login", "msg", "history", { name: "shout", plugin: shout }] });
    const alice = await server.login("alice");
    alice.send("MSG quiet please");
    await settle();
    const bob = server.connect();
    bob.send("LOGIN bob");
    await expectLines(bob, "OK", "HISTORY alice QUIET PLEASE", "END HISTORY");
  });

  it("keeps nothing at size 0, and takes 20 by default", async () => {
    const none = await startTestServer({ plugins: ["login", "msg", { name: "history", options: { size: 0 } }] });
    (await none.login("alice")).send("MSG gone");
    const bob = none.connect();
    bob.send("LOGIN bob");
    await expectLines(bob, "OK", "END HISTORY");

    const server = await startTestServer({ plugins: ["login", "msg", "history"], rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    alice.write(Array.from({ length: 25 }, (_, i) => `MSG ${i}\n`).join(""));
    await settle();
    const carol = server.connect();
    carol.send("LOGIN carol");
    await expectLines(carol, "OK", ...Array.from({ length: 20 }, (_, i) => `HISTORY alice ${i + 5}`), "END HISTORY");
  });

  it("replays only the newest lines that fit in maxReplayBytes", async () => {
    const server = await startTestServer({
      plugins: ["login", "msg", { name: "history", options: { size: 100, maxReplayBytes: 60 } }],
      rateLimitPerSecond: 0,
    });
    const alice = await server.login("alice");
    alice.write(Array.from({ length: 10 }, (_, i) => `MSG line ${i}\n`).join("")); // "HISTORY alice line N" is 21 bytes
    await settle();
    const bob = server.connect();
    bob.send("LOGIN bob");
    await expectLines(bob, "OK", "HISTORY alice line 8", "HISTORY alice line 9", "END HISTORY");
  });

  it.each([
    [{ size: -1 }, 'plugin "history": option "size" must be a whole number from 0 to 10000, got -1'],
    [{ size: "ten" }, 'plugin "history": option "size" must be a whole number from 0 to 10000, got "ten"'],
    [{ sise: 5 }, 'plugin "history": unknown option "sise" (options: size, maxReplayBytes)'],
  ])("refuses the options %j with an error naming the plugin and the option", async (options, message) => {
    await expect(startTestServer({ plugins: ["login", { name: "history", options }] })).rejects.toThrow(message);
  });
});

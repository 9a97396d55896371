import { definePlugin, type RenameEvent } from "../../../src/core/plugin-api";
import { DEFAULT_PLUGINS } from "../../../src/composition-root";
import { Room } from "../../../src/core/room";
import { expectLines, linesOf, startTestServer, type TestServer } from "../../../src/testing/test-server";

describe("NICK (the rename plugin)", () => {
  let server: TestServer;
  afterEach(() => server.app.stop({ graceMs: 0 }));

  it("answers OK, tells every other user `INFO <old> is now <new>`, and keeps the user's place in WHO", async () => {
    server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    const carol = await server.login("carol");
    alice.send("NICK alicia");
    await expectLines(alice, "OK");
    await expectLines(bob, "INFO alice is now alicia");
    await expectLines(carol, "INFO alice is now alicia");
    carol.send("WHO");
    await expectLines(carol, "USER alicia", "USER bob", "USER carol", "END WHO");
    expect(server.logger.find("renamed").map(({ context }) => context)).toEqual([expect.objectContaining({ user: "alicia", was: "alice" })]);
  });

  it("reaches the user by the new name only, and frees the old one at once, without a departure", async () => {
    server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("NICK alicia");
    await expectLines(alice, "OK");
    await expectLines(bob, "INFO alice is now alicia");
    bob.send("DM alice old name");
    await expectLines(bob, "ERR user-not-found alice");
    bob.send("DM ALICIA new name");
    await expectLines(alice, "DM bob new name");
    alice.send("MSG from alicia");
    await expectLines(bob, "MSG alicia from alicia");
    const other = server.connect();
    other.send("LOGIN alice");
    await expectLines(other, "OK");
    await expectLines(bob);
  });

  it.each([
    ["a name someone else holds, whatever its case", "NICK BOB", "ERR username-taken"],
    ["an invalid name", "NICK two words", "ERR invalid-username"],
    ["no name", "NICK", "ERR invalid-username"],
    ["a name that starts with a dot", "NICK .alice", "ERR invalid-username"],
  ])("refuses %s, and nobody is told", async (_, line, answer) => {
    server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send(line);
    await expectLines(alice, answer);
    alice.send("WHO");
    await expectLines(alice, "USER alice", "USER bob", "END WHO");
    await expectLines(bob);
  });

  it("needs a login first", async () => {
    server = await startTestServer();
    const guest = server.connect();
    guest.send("NICK alice");
    await expectLines(guest, "ERR must-login-first");
  });

  it("answers the name one has, as it is shown, OK and tells nobody; another letter case of it is a rename", async () => {
    server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("NICK alice");
    await expectLines(alice, "OK");
    await expectLines(bob);
    alice.send("NICK Alice");
    await expectLines(alice, "OK");
    await expectLines(bob, "INFO alice is now Alice");
    bob.send("WHO");
    await expectLines(bob, "USER Alice", "USER bob", "END WHO");
  });

  it("keeps the user's rooms: members list the new name, and room messages come from it", async () => {
    server = await startTestServer({ plugins: [...DEFAULT_PLUGINS, "rooms"] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("JOIN #dev");
    await expectLines(alice, "OK");
    bob.send("JOIN #dev");
    await expectLines(bob, "OK");
    await expectLines(alice, "INFO bob joined #dev");
    alice.send("NICK alicia");
    await expectLines(alice, "OK");
    await expectLines(bob, "INFO alice is now alicia");
    bob.send("MEMBERS #dev");
    await expectLines(bob, "MEMBER alicia", "MEMBER bob", "END MEMBERS");
    alice.send("MSG #dev still here");
    await expectLines(bob, "MSG alicia #dev still here");
    bob.send("MSG #dev hi alicia");
    await expectLines(alice, "MSG bob #dev hi alicia");
    alice.send("PART #dev");
    await expectLines(alice, "OK");
    await expectLines(bob, "INFO alicia left #dev");
  });

  it("keeps the session's resume token: a resume comes back under the new name", async () => {
    server = await startTestServer({ idleTimeoutMs: 0 });
    const alice = await server.login("alice");
    alice.send("RESUMABLE");
    const token = (await linesOf(alice))[0]!.split(" ")[1]!;
    const bob = await server.login("bob");
    alice.send("NICK alicia");
    await expectLines(alice, "OK");
    alice.disconnect();
    bob.send("DM alicia while you were away");
    const phone = server.connect();
    phone.send(`RESUME ${token} 1`);
    const [greeting, ...missed] = await linesOf(phone);
    expect(greeting).toMatch(/^RESUMED alicia \S+$/);
    expect(missed).toEqual(["DM bob while you were away"]);
    await expectLines(bob, "INFO alice is now alicia");
  });

  it("leaves what was said before under the name it was said under (the history)", async () => {
    server = await startTestServer({ plugins: [...DEFAULT_PLUGINS, "history"] });
    const alice = await server.login("alice");
    await expectLines(alice, "END HISTORY");
    alice.send("MSG said as alice");
    alice.send("NICK alicia");
    alice.send("MSG said as alicia");
    await expectLines(alice, "OK");
    const bob = await server.login("bob");
    await expectLines(bob, "HISTORY alice said as alice", "HISTORY alicia said as alicia", "END HISTORY");
  });

  it("moves what others see of the user (its profile: WHOIS's) to the new name", async () => {
    server = await startTestServer();
    const alice = await server.login("alice");
    const room = server.app.container.resolve(Room);
    const [before] = await room.profilesOf(["alice"]);
    alice.send("NICK alicia");
    await expectLines(alice, "OK");
    expect(await room.profilesOf(["alice", "alicia"])).toEqual([null, before]);
    expect(before).toEqual(expect.objectContaining({ since: expect.any(Number) }));
  });

  it("runs the onRename hooks, the session already named anew", async () => {
    const heard: (RenameEvent & { username: string | null })[] = [];
    const watcher = definePlugin({
      name: "watcher",
      register({ hooks }) {
        hooks.onRename((event) => void heard.push({ ...event, username: event.session.username }));
      },
    });
    server = await startTestServer({ plugins: [...DEFAULT_PLUGINS.map((name) => ({ name })), { name: "watcher", plugin: watcher }] });
    const alice = await server.login("alice");
    alice.send("NICK alicia");
    alice.send("NICK bob-is-free");
    alice.send("NICK alicia");
    expect(await linesOf(alice)).toEqual(["OK", "OK", "OK"]);
    expect(heard.map(({ from, to, username }) => [from, to, username])).toEqual([
      ["alice", "alicia", "alicia"],
      ["alicia", "bob-is-free", "bob-is-free"],
      ["bob-is-free", "alicia", "alicia"],
    ]);
  });
});

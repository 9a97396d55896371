import { expectLines, linesOf, startTestServer } from "../../../src/testing/test-server";

const plugins = ["login", "msg", "ping", "rooms"];

describe("rooms", () => {
  it("delivers MSG #room only to the room's members, and plain MSG to everyone", async () => {
    const server = await startTestServer({ plugins });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    const carol = await server.login("carol");
    alice.send("JOIN #dev");
    await expectLines(alice, "OK");
    bob.send("join #Dev");
    await expectLines(bob, "OK");
    await expectLines(alice, "INFO bob joined #dev");
    alice.send("MSG #DEV  ship   it ");
    await expectLines(bob, "MSG alice #dev ship   it");
    await expectLines(alice);
    await expectLines(carol);
    carol.send("MSG #hashtags are for rooms now");
    await expectLines(carol, "ERR not-in-room #hashtags");
    carol.send("MSG hello all");
    await expectLines(alice, "MSG carol hello all");
    await expectLines(bob, "MSG carol hello all");
  });

  it("says a text that starts with # to everyone when escaped (MSG \\#1 ...), escaped again for the readers, never for a room", async () => {
    const server = await startTestServer({ plugins });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("MSG #1 priority is coffee");
    await expectLines(alice, "ERR not-in-room #1");
    alice.send("MSG \\#1 priority is coffee");
    await expectLines(bob, "MSG alice \\#1 priority is coffee");
    alice.send("MSG \\\\#x");
    await expectLines(bob, "MSG alice \\\\#x");
    alice.send("MSG \\o/");
    await expectLines(bob, "MSG alice \\o/");
    bob.send("JOIN #dev");
    alice.send("JOIN #dev");
    await linesOf(bob);
    await linesOf(alice);
    alice.send("MSG #dev #2 in the room");
    await expectLines(bob, "MSG alice #dev #2 in the room");
    await expectLines(alice);
  });

  it("holds a user to --max-rooms-per-user rooms (ERR too-many-rooms), and a node to --max-rooms (ERR rooms-full)", async () => {
    const server = await startTestServer({ plugins, rateLimitPerSecond: 0, maxRoomsPerUser: 2, maxRooms: 3 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.write("JOIN #a\nJOIN #b\nJOIN #c\nJOIN #a\n");
    // Already in: said so, whatever the limit.
    await expectLines(alice, "OK", "OK", "ERR too-many-rooms #c", "ERR already-in-room #a");
    bob.write("JOIN #b\nJOIN #c\n");
    await expectLines(bob, "OK", "OK");
    await linesOf(alice);
    // Three rooms on this node: a new one is refused, an existing one is not.
    const carol = await server.login("carol");
    carol.write("JOIN #d\nJOIN #c\n");
    await expectLines(carol, "ERR rooms-full #d", "OK");
    // Leaving makes room, for the user and for the node.
    alice.write("PART #a\nJOIN #d\n");
    await expectLines(alice, "OK", "OK");
    await linesOf(bob);
    bob.disconnect();
    await expectLines(alice, "INFO bob disconnected");
    carol.send("JOIN #e");
    await expectLines(carol, "INFO bob disconnected", "ERR rooms-full #e");
    alice.send("PART #b");
    await expectLines(alice, "OK");
    carol.send("JOIN #e");
    await expectLines(carol, "OK");
  });

  it("lets 0 turn the room limits off", async () => {
    const server = await startTestServer({ plugins, rateLimitPerSecond: 0, maxRoomsPerUser: 0, maxRooms: 0 });
    const alice = await server.login("alice");
    alice.write(Array.from({ length: 300 }, (_, i) => `JOIN #r${i}\n`).join(""));
    expect(await linesOf(alice)).toEqual(new Array<string>(300).fill("OK"));
  });

  it("lists a room's members, on MEMBERS #room, to anyone logged in", async () => {
    const server = await startTestServer({ plugins, rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    const carol = await server.login("carol");
    alice.send("JOIN #dev");
    bob.send("JOIN #dev");
    await linesOf(alice);
    await linesOf(bob);
    carol.send("MEMBERS #DEV");
    await expectLines(carol, "MEMBER alice", "MEMBER bob", "END MEMBERS");
    carol.send("MEMBERS #nobody");
    await expectLines(carol, "END MEMBERS");
    carol.send("MEMBERS dev");
    await expectLines(carol, "ERR invalid-room");
  });

  it("lists rooms with their member counts, by name, and forgets empty ones", async () => {
    const server = await startTestServer({ plugins, rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("ROOMS");
    await expectLines(alice, "END ROOMS");
    alice.write("JOIN #zeta\nJOIN #alpha\n");
    bob.send("JOIN #zeta");
    await linesOf(alice);
    await linesOf(bob);
    alice.send("ROOMS");
    await expectLines(alice, "ROOM #alpha 1", "ROOM #zeta 2", "END ROOMS");
    alice.send("PART #alpha");
    await expectLines(alice, "OK");
    bob.send("ROOMS");
    await expectLines(bob, "ROOM #zeta 2", "END ROOMS");
  });

  it("tells the members who leaves a room, and takes a user who disconnects out of every room", async () => {
    const server = await startTestServer({ plugins });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("JOIN #dev");
    bob.send("JOIN #dev");
    await linesOf(alice);
    await linesOf(bob);
    bob.send("PART #dev");
    await expectLines(bob, "OK");
    await expectLines(alice, "INFO bob left #dev");
    bob.send("JOIN #dev");
    await linesOf(alice);
    bob.disconnect();
    await expectLines(alice, "INFO bob disconnected");
    alice.send("ROOMS");
    await expectLines(alice, "ROOM #dev 1", "END ROOMS");
  });

  it.each([
    ["JOIN dev", "ERR invalid-room"],
    ["JOIN #", "ERR invalid-room"],
    ["JOIN #a b", "ERR invalid-room"],
    [`JOIN #${"x".repeat(33)}`, "ERR invalid-room"],
    ["PART dev", "ERR invalid-room"],
    ["PART #", "ERR invalid-room"],
    ["PART #bad!name", "ERR invalid-room"],
    [`PART #${"x".repeat(33)}`, "ERR invalid-room"],
    ["PART #nowhere", "ERR not-in-room #nowhere"],
    ["MSG #bad!name hi", "ERR invalid-room"],
    ["MSG #nowhere hi", "ERR not-in-room #nowhere"],
  ])("answers %j with %j", async (line, reply) => {
    const server = await startTestServer({ plugins });
    const alice = await server.login("alice");
    alice.send(line);
    await expectLines(alice, reply);
  });

  it("refuses a second JOIN and an empty room message", async () => {
    const server = await startTestServer({ plugins });
    const alice = await server.login("alice");
    alice.write("JOIN #dev\nJOIN #DEV\nMSG #dev \u0007 \n");
    await expectLines(alice, "OK", "ERR already-in-room #dev", "ERR empty-message");
  });

  it("needs a login first", async () => {
    const server = await startTestServer({ plugins });
    const stranger = server.connect();
    stranger.write("JOIN #dev\nROOMS\nMSG #dev hi\n");
    await expectLines(stranger, "ERR must-login-first", "ERR must-login-first", "ERR must-login-first");
  });

  it("is off by default: its verbs are unknown", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.write("JOIN #dev\nMSG #dev hi\n");
    await expectLines(alice, "ERR unknown-command JOIN");
    // A message to everyone, escaped for its readers, who cannot know whether rooms are on.
    await expectLines(bob, "MSG alice \\#dev hi");
  });
});

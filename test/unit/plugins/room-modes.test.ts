import { expectLines, linesOf, startTestServer } from "../../../src/testing/test-server";

const plugins = ["login", "msg", "ping", "rooms"];

describe("rooms' operators and modes, over the line protocol", () => {
  it("lets the room's maker and those it makes operators change its operators; refuses everyone else, and a user not in the room", async () => {
    const server = await startTestServer({ plugins, rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    const carol = await server.login("carol");
    alice.send("JOIN #dev");
    await expectLines(alice, "OK");
    bob.send("JOIN #dev");
    await expectLines(bob, "OK");
    await linesOf(alice);
    bob.send("OP #dev bob");
    await expectLines(bob, "ERR not-operator #dev");
    carol.send("DEOP #DEV alice");
    await expectLines(carol, "ERR not-operator #dev");
    alice.write("OP #dev carol\nOP #dev\nOP #dev!x bob\n");
    await expectLines(alice, "ERR user-not-in-room carol", "ERR user-not-in-room", "ERR invalid-room");
    // Made, and made again: OK both times. The line protocol shows no room's modes: the members are sent nothing.
    alice.write("OP #Dev BOB\nOP #dev bob\n");
    await expectLines(alice, "OK", "OK");
    await expectLines(bob);
    bob.send("DEOP #dev alice");
    await expectLines(bob, "OK");
    alice.send("OP #dev alice");
    await expectLines(alice, "ERR not-operator #dev");
    await expectLines(carol);
  });

  it("lists a secret room (ROOMS) and shows its members (MEMBERS) to its members only; anyone may still join it", async () => {
    const server = await startTestServer({ plugins, rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.write("JOIN #dev\nJOIN #ops\nSECRET #ops\n");
    await expectLines(alice, "OK", "OK", "OK");
    bob.write("ROOMS\nMEMBERS #ops\nSECRET #dev\n");
    await expectLines(bob, "ROOM #dev 1", "END ROOMS", "END MEMBERS", "ERR not-operator #dev");
    alice.write("ROOMS\nMEMBERS #ops\n");
    await expectLines(alice, "ROOM #dev 1", "ROOM #ops 1", "END ROOMS", "MEMBER alice", "END MEMBERS");
    bob.write("JOIN #ops\nROOMS\n");
    await expectLines(bob, "OK", "ROOM #dev 1", "ROOM #ops 2", "END ROOMS");
    await linesOf(alice);
    alice.send("PUBLIC #ops");
    await expectLines(alice, "OK");
    const carol = await server.login("carol");
    carol.send("ROOMS");
    await expectLines(carol, "ROOM #dev 1", "ROOM #ops 2", "END ROOMS");
  });

  it("takes the operator status away with the member: the room's maker who leaves it and comes back is a member like any other", async () => {
    const server = await startTestServer({ plugins, rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("JOIN #dev");
    await expectLines(alice, "OK");
    bob.send("JOIN #dev");
    await expectLines(bob, "OK");
    await expectLines(alice, "INFO bob joined #dev");
    alice.write("PART #dev\nJOIN #dev\nSECRET #dev\n");
    await expectLines(alice, "OK", "OK", "ERR not-operator #dev");
  });
});

import { linesOf, startTestServer } from "../../../src/testing/test-server";

describe("DM", () => {
  it("reaches only the target, found ignoring case, and nothing comes back", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("Bob");
    const carol = await server.login("carol");
    alice.send("DM bob  see   you later ");
    expect(await linesOf(bob)).toEqual(["DM alice see   you later"]);
    expect(await linesOf(alice)).toEqual([]);
    expect(await linesOf(carol)).toEqual([]);
  });

  it("answers an unknown target with its name", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    alice.send("DM ghost boo");
    expect(await linesOf(alice)).toEqual(["ERR user-not-found ghost"]);
  });

  it("answers a target nobody can have by name, printable and cut to 32 characters", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    await server.login("kate");
    alice.write(`DM \u212Aate hi\nDM \u0001 hi\nDM ${"n".repeat(40)} hi\nDM \u001b[1mkate hi\n`);
    expect(await linesOf(alice)).toEqual([
      "ERR user-not-found \u212Aate", // a Kelvin sign is not a K
      "ERR user-not-found ?",
      `ERR user-not-found ${"n".repeat(32)}`,
      "ERR user-not-found [1mkate",
    ]);
  });

  it("delivers a DM to yourself", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    alice.send("DM ALICE note to self");
    expect(await linesOf(alice)).toEqual(["DM alice note to self"]);
  });

  it.each(["DM", "DM bob", "DM bob   ", "DM bob \u0001\u0002", "DM bob \u0001 \t \u0001"])("refuses %j as invalid", async (line) => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send(line);
    expect(await linesOf(alice)).toEqual(["ERR invalid-dm-format"]);
    expect(await linesOf(bob)).toEqual([]);
  });

  it("removes control characters from the text", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("DM bob \u001b]0;pwned\u0007hi");
    expect(await linesOf(bob)).toEqual(["DM alice ]0;pwnedhi"]);
  });

  it("needs a login first", async () => {
    const server = await startTestServer();
    const bob = await server.login("bob");
    const stranger = server.connect();
    stranger.send("DM bob hi");
    expect(await linesOf(stranger)).toEqual(["ERR must-login-first"]);
    expect(await linesOf(bob)).toEqual([]);
  });

  it("keeps the sender's order between a DM and the lines after it", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.write("DM bob first\nMSG second\nDM bob third\n");
    expect(await linesOf(bob)).toEqual(["DM alice first", "MSG alice second", "DM alice third"]);
  });
});

import { linesOf, startTestServer } from "../../../src/testing/test-server";

describe("WHO", () => {
  it("lists logged-in users in login order, the caller included, then END WHO", async () => {
    const server = await startTestServer();
    const carol = await server.login("Carol");
    await server.login("alice");
    await server.login("bob");
    server.connect(); // not logged in: not listed
    carol.send("who");
    expect(await linesOf(carol)).toEqual(["USER Carol", "USER alice", "USER bob", "END WHO"]);
  });

  it("forgets users who left, and lists a returning user last", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    await server.login("carol");
    alice.disconnect();
    await server.login("alice");
    bob.send("WHO");
    expect(await linesOf(bob)).toEqual(["INFO alice disconnected", "USER bob", "USER carol", "USER alice", "END WHO"]);
  });

  it("ignores words after the verb", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    alice.send("WHO is there?");
    expect(await linesOf(alice)).toEqual(["USER alice", "END WHO"]);
  });

  it("needs a login first", async () => {
    const server = await startTestServer();
    const client = server.connect();
    client.send("WHO");
    expect(await linesOf(client)).toEqual(["ERR must-login-first"]);
  });
});

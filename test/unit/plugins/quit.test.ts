import { linesOf, startTestServer } from "../../../src/testing/test-server";

describe("QUIT", () => {
  it("says INFO bye, closes, and tells the others once", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("QUIT");
    expect(await linesOf(alice)).toEqual(["INFO bye"]);
    expect(alice.closedByServer).toBe(true);
    expect(await linesOf(bob)).toEqual(["INFO alice disconnected"]);
    expect(server.app.server.connectionCount).toBe(1);
  });

  it("works before login, and nobody is told", async () => {
    const server = await startTestServer();
    const bob = await server.login("bob");
    const stranger = server.connect();
    stranger.send("quit");
    expect(await linesOf(stranger)).toEqual(["INFO bye"]);
    expect(stranger.closedByServer).toBe(true);
    expect(await linesOf(bob)).toEqual([]);
  });

  it("ignores whatever was pipelined after it", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.write("QUIT\nMSG too late\n");
    expect(await linesOf(alice)).toEqual(["INFO bye"]);
    expect(await linesOf(bob)).toEqual(["INFO alice disconnected"]);
  });
});

import { linesOf, settle, startTestServer } from "../../../src/testing/test-server";

describe("stopping the server", () => {
  it("tells every connection INFO server-shutdown, closes them, and tells nobody who left", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    const stranger = server.connect();
    await server.app.stop();
    for (const client of [alice, bob, stranger]) {
      expect(await linesOf(client)).toEqual(["INFO server-shutdown"]);
      expect(client.closedByServer).toBe(true);
    }
    expect(server.app.server.connectionCount).toBe(0);
    expect(() => server.connect()).toThrow("not accepting");
  });

  it("turns away a connection that a transport accepted after it was told to stop", async () => {
    const server = await startTestServer();
    const acceptor = server.transport.acceptor!;
    await server.app.stop();
    expect(acceptor.admit("10.0.0.9")).toBe("server-shutdown");
  });

  it("drops connections still open after the grace period", async () => {
    const server = await startTestServer();
    const client = server.connect();
    const stalled = server.connect();
    stalled.stopReading();
    let stopped = false;
    const stopping = server.app.stop({ graceMs: 3000 }).then(() => (stopped = true));
    await settle();
    expect(client.closedByServer).toBe(true);
    expect(stalled.closedByServer).toBe(false);
    server.clock.advance(2999);
    await settle();
    expect(stopped).toBe(false);
    server.clock.advance(1);
    await stopping;
    expect(stalled.closedByServer).toBe(true);
    expect(server.app.server.connectionCount).toBe(0);
  });
});

import { linesOf, startTestServer } from "../../../src/testing/test-server";

describe("MSG", () => {
  it("reaches every other logged-in user, not the sender, not those not logged in", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    const carol = await server.login("carol");
    const anonymous = server.connect();
    alice.send("MSG hello everyone");
    expect(await linesOf(bob)).toEqual(["MSG alice hello everyone"]);
    expect(await linesOf(carol)).toEqual(["MSG alice hello everyone"]);
    expect(await linesOf(alice)).toEqual([]);
    expect(await linesOf(anonymous)).toEqual([]);
  });

  it("keeps inner spaces and tabs as sent, dropping the separators around the text", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("  msg    a  b\tc   ");
    expect(await linesOf(bob)).toEqual(["MSG alice a  b\tc"]);
  });

  it("removes control characters from the text", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("MSG \u001b[31mred\u0007 \u0085text\u007f");
    expect(await linesOf(bob)).toEqual(["MSG alice [31mred text"]);
  });

  it.each(["MSG", "MSG    ", "MSG \u001b\u0000", "MSG \u0001 \t \u0001"])("refuses empty text: %j", async (line) => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send(line);
    expect(await linesOf(alice)).toEqual(["ERR empty-message"]);
    expect(await linesOf(bob)).toEqual([]);
  });

  it("needs a login first", async () => {
    const server = await startTestServer();
    const bob = await server.login("bob");
    const stranger = server.connect();
    stranger.send("MSG hi");
    expect(await linesOf(stranger)).toEqual(["ERR must-login-first"]);
    expect(await linesOf(bob)).toEqual([]);
  });

  it("delivers a sender's messages in the order sent", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.write("MSG 1\nMSG 2\nMSG 3\n");
    expect(await linesOf(bob)).toEqual(["MSG alice 1", "MSG alice 2", "MSG alice 3"]);
  });

  it("logs nothing per message", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    await server.login("bob");
    const before = server.logger.entries.length;
    alice.send("MSG private words");
    await linesOf(alice);
    expect(server.logger.entries.slice(before)).toEqual([]);
  });
});

import { linesOf, startTestServer } from "../../../src/testing/test-server";

describe("LOGIN", () => {
  it("answers OK and claims the name", async () => {
    const server = await startTestServer();
    const alice = server.connect();
    alice.send("LOGIN alice");
    expect(await linesOf(alice)).toEqual(["OK"]);
    alice.send("WHO");
    expect(await linesOf(alice)).toEqual(["USER alice", "END WHO"]);
  });

  it("refuses a name in use, ignoring case", async () => {
    const server = await startTestServer();
    await server.login("Naman");
    const other = server.connect();
    other.send("LOGIN naman");
    expect(await linesOf(other)).toEqual(["ERR username-taken"]);
    other.send("LOGIN NAMAN");
    expect(await linesOf(other)).toEqual(["ERR username-taken"]);
  });

  it.each([
    ["LOGIN", "empty"],
    ["LOGIN -dash", "starts with -"],
    ["LOGIN .dot", "starts with ."],
    ["LOGIN caf\u00e9", "is not ASCII"],
    ["LOGIN a/b", "has a slash"],
    [`LOGIN ${"x".repeat(33)}`, "is 33 characters"],
  ])("refuses %j: the name %s", async (line) => {
    const server = await startTestServer();
    const client = server.connect();
    client.send(line);
    expect(await linesOf(client)).toEqual(["ERR invalid-username"]);
  });

  it("refuses a name with a space; with the accounts plugin, two words are a name and a password, taken only where passwords are safe", async () => {
    const bare = await startTestServer({ plugins: ["login"] });
    const client = bare.connect();
    client.send("LOGIN two words");
    expect(await linesOf(client)).toEqual(["ERR invalid-username"]);
    // The test kit's connections are no loopback and no TLS.
    const server = await startTestServer();
    const other = server.connect();
    other.send("LOGIN two words");
    expect(await linesOf(other)).toEqual(["ERR password-needs-tls"]);
  });

  it("accepts a 32-character name of every allowed character", async () => {
    const server = await startTestServer();
    const name = "a_-.Z9".padEnd(32, "q");
    const client = server.connect();
    client.send(`LOGIN ${name}`);
    expect(await linesOf(client)).toEqual(["OK"]);
  });

  it("refuses a second LOGIN on the same connection", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    alice.send("LOGIN bob");
    expect(await linesOf(alice)).toEqual(["ERR already-logged-in"]);
    alice.send("LOGIN alice");
    expect(await linesOf(alice)).toEqual(["ERR already-logged-in"]);
  });

  it("frees the name at once when its user leaves", async () => {
    const server = await startTestServer();
    const alice = await server.login("alice");
    alice.disconnect();
    const again = server.connect();
    again.send("LOGIN ALICE");
    expect(await linesOf(again)).toEqual(["OK"]);
  });

  it("of two connections claiming one name in the same turn, exactly one wins", async () => {
    const server = await startTestServer();
    const first = server.connect();
    const second = server.connect();
    first.send("LOGIN same");
    second.send("LOGIN SAME");
    expect([...(await linesOf(first)), ...(await linesOf(second))]).toEqual(["OK", "ERR username-taken"]);
  });

  it("logs the login with the connection and the name", async () => {
    const server = await startTestServer();
    await server.login("alice");
    expect(server.logger.find("login").map((entry) => entry.context)).toEqual([{ conn: 1, user: "alice" }]);
  });
});

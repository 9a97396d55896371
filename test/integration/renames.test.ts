import { connectJson, loginJson, sendFrame, unstamped } from "../support/json-client";
import { IrcClient } from "../support/irc-client";
import { TcpClient } from "../support/tcp-client";
import { startTcpServer, type RunningServer } from "../support/tcp-server";

/* Renaming (NICK, the rename plugin) as each door's users do it and see it, on one server. */

/** TCP, the web port (the JSON API at /api) and IRC (server name chat.test), on ports the OS picks. */
function startServer(): Promise<RunningServer> {
  return startTcpServer({
    web: { port: 0, host: "127.0.0.1" },
    irc: { port: 0, host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" },
    rateLimitPerSecond: 0,
  });
}

/** Proves that nothing else came before: the next line is the answer to a PING. */
async function nothingMore(client: TcpClient): Promise<void> {
  client.send("PING");
  expect(await client.readLine()).toBe("PONG");
}


describe("renaming on every door", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("IRC: NICK renames once registered; the client and every IRC user see NICK, line-protocol users INFO, and its numerics take the new nick", async () => {
    server = await startServer();
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const iris = await IrcClient.register(server.ircPort, "iris");
    const bob = await TcpClient.login(server.port, "bob");
    ivy.client.raw("NICK ivan");
    expect(await ivy.waitFor(/ NICK /)).toBe(":ivy!ivy@chat.test NICK :ivan");
    expect(await iris.waitFor(/ NICK /)).toBe(":ivy!ivy@chat.test NICK :ivan");
    expect(await bob.readLine()).toBe("INFO ivy is now ivan");
    ivy.client.raw("PRIVMSG nobody :hi");
    expect(await ivy.waitFor(/ 401 /)).toBe(":chat.test 401 ivan nobody :No such nick/channel");
    bob.send("DM ivan hello");
    expect(await ivy.waitFor(/PRIVMSG/)).toBe(":bob!bob@chat.test PRIVMSG ivan :hello");
    bob.send("DM ivy hello?");
    expect(await bob.readLine()).toBe("ERR user-not-found ivy");
    ivy.client.say("#lobby", "as ivan");
    expect(await bob.readLine()).toBe("MSG ivan as ivan");
    expect(await iris.waitFor(/PRIVMSG/)).toBe(":ivan!ivan@chat.test PRIVMSG #lobby :as ivan");
  });

  it("IRC: a nick held by anyone (any door, any case) is 433, one the chat does not allow 432, and nobody is told", async () => {
    server = await startServer();
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const bob = await TcpClient.login(server.port, "bob");
    const cases: [string, string][] = [
      ["NICK bob", ":chat.test 433 ivy bob :Nickname is already in use"],
      ["NICK BOB", ":chat.test 433 ivy BOB :Nickname is already in use"],
      ["NICK bad!nick", ":chat.test 432 ivy bad!nick :Erroneous nickname"],
    ];
    for (const [line, answer] of cases) {
      ivy.client.raw(line);
      expect(await ivy.waitFor(/^:chat\.test /)).toBe(answer);
    }
    await nothingMore(bob);
  });

  it("the line protocol: NICK is answered OK, and the others see INFO, or NICK on IRC", async () => {
    server = await startServer();
    const alice = await TcpClient.login(server.port, "alice");
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const bob = await TcpClient.login(server.port, "bob");
    alice.send("NICK alicia");
    expect(await alice.readLine()).toBe("OK");
    expect(await bob.readLine()).toBe("INFO alice is now alicia");
    expect(await ivy.waitFor(/ NICK /)).toBe(":alice!alice@chat.test NICK :alicia");
    alice.send("NICK ivy");
    expect(await alice.readLine()).toBe("ERR username-taken");
    await nothingMore(alice);
    await nothingMore(bob);
  });

  it("the JSON API: a rename frame is answered ok, and the others get a renamed event with its id and time", async () => {
    server = await startServer();
    const early = await connectJson(server.webPort);
    sendFrame(early, { type: "rename", name: "x", id: "r0" });
    expect(await early.readLine()).toBe('{"type":"error","code":"must-login-first","for":"r0"}');
    const alice = await loginJson(server.webPort, "alice");
    const bob = await loginJson(server.webPort, "bob");
    expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"bob"}');
    const carol = await TcpClient.login(server.port, "carol");
    expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"carol"}');
    expect(unstamped(await bob.readLine())).toBe('{"type":"arrived","user":"carol"}');
    sendFrame(alice, { type: "rename", name: "alicia", id: "r1" });
    expect(await alice.readLine()).toBe('{"type":"ok","for":"r1"}');
    expect(unstamped(await bob.readLine())).toBe('{"type":"renamed","user":"alice","name":"alicia"}');
    expect(await carol.readLine()).toBe("INFO alice is now alicia");
    sendFrame(alice, { type: "rename", name: "BOB", id: "r2" });
    expect(await alice.readLine()).toBe('{"type":"error","code":"username-taken","for":"r2"}');
    sendFrame(alice, { type: "rename", name: "two words", id: "r3" });
    expect(await alice.readLine()).toBe('{"type":"error","code":"invalid-username","for":"r3"}');
    sendFrame(alice, { type: "command", verb: "nick", params: ["alice"], id: "r4" });
    expect(await alice.readLine()).toBe('{"type":"error","code":"reserved-verb","subject":"NICK","for":"r4"}');
    sendFrame(bob, { type: "who", id: "w" });
    expect(await bob.readLine()).toBe('{"type":"users","users":["alicia","bob","carol"],"for":"w"}');
  });
});

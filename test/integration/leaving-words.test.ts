import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { loginJson, sendFrame, unstamped } from "../support/json-client";
import { IrcClient } from "../support/irc-client";
import { startTcpServer, type RunningServer } from "../support/tcp-server";
import { TcpClient } from "../support/tcp-client";
import { DEFAULT_PLUGINS } from "../../src/composition-root";

const ROOMS = [...DEFAULT_PLUGINS, "rooms"].map((name) => ({ name }));

/** TCP, IRC (server name chat.test, lobby #lobby) and the web port with the JSON API, on ports the OS picks. */
function startServer(): Promise<RunningServer> {
  return startTcpServer({
    plugins: ROOMS,
    web: { port: 0, host: "127.0.0.1" },
    irc: { port: 0, host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" },
  });
}


describe("words on leaving: QUIT's and PART's messages", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("shows a quit message to IRC users (Quit: ...) and in JSON `left`; the line protocol shows the departure as ever", async () => {
    server = await startServer();
    const watcher = await IrcClient.register(server.ircPort, "watcher");
    const json = await loginJson(server.webPort, "json");
    const line = await TcpClient.login(server.port, "line");
    const qux = await IrcClient.register(server.ircPort, "qux");
    expect(unstamped(await json.readLine())).toBe('{"type":"arrived","user":"line"}');
    expect(unstamped(await json.readLine())).toBe('{"type":"arrived","user":"qux"}');

    qux.client.quit("qux out");
    expect(await watcher.waitFor(/ QUIT /)).toBe(":qux!qux@chat.test QUIT :Quit: qux out");
    expect(unstamped(await json.readLine())).toBe('{"type":"left","user":"qux","reason":"quit","message":"qux out"}');
    expect(await line.readLine()).toBe("INFO qux disconnected");

    // From the line protocol (ext: QUIT's rest of the line) and the JSON API alike; none given, none shown.
    line.send("QUIT gone fishing");
    expect(await line.readLine()).toBe("INFO bye");
    expect(await watcher.waitFor(/ QUIT /)).toBe(":line!line@chat.test QUIT :Quit: gone fishing");
    sendFrame(json, { type: "quit" });
    expect(await watcher.waitFor(/ QUIT /)).toBe(":json!json@chat.test QUIT :Quit");
  });

  it("removes control characters from words on leaving: a CR LF in a JSON client's quit or part message forges no IRC line (review of #20)", async () => {
    server = await startServer();
    const ircy = await IrcClient.register(server.ircPort, "ircy");
    const json = await loginJson(server.webPort, "jay");
    ircy.client.join("#dev");
    await ircy.waitFor(/ 366 ircy #dev /);
    sendFrame(json, { type: "join", room: "#dev" });
    await ircy.waitFor(/ JOIN #dev$/);
    sendFrame(json, { type: "part", room: "#dev", message: "bye\r\n:evil!e@x PRIVMSG ircy :forged\u001b[31m" });
    expect(await ircy.waitFor(/ PART /)).toBe(":jay!jay@chat.test PART #dev :bye:evil!e@x PRIVMSG ircy :forged[31m");
    sendFrame(json, { type: "quit", message: "ciao\r\n:evil!e@x PRIVMSG ircy :forged" });
    expect(await ircy.waitFor(/ QUIT /)).toBe(":jay!jay@chat.test QUIT :Quit: ciao:evil!e@x PRIVMSG ircy :forged");
    ircy.client.raw("PING :after");
    expect(await ircy.waitFor(/PONG|PRIVMSG/)).toBe(":chat.test PONG chat.test :after");
  });

  it("shows a PART message to the room's IRC and JSON members", async () => {
    server = await startServer();
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const json = await loginJson(server.webPort, "jay");
    const line = await TcpClient.login(server.port, "lee");
    for (const join of [() => ivy.client.join("#dev"), () => sendFrame(json, { type: "join", room: "#dev" }), () => line.send("JOIN #dev")]) join();
    await ivy.waitFor(/ 366 ivy #dev /);
    expect(await line.readLine()).toBe("OK");

    line.send("PART #dev see you all");
    expect(await line.readLine()).toBe("OK");
    expect(await ivy.waitFor(/ PART /)).toBe(":lee!lee@chat.test PART #dev :see you all");
    let frame = await json.readLine();
    while (!frame.includes('"parted"')) frame = await json.readLine(); // the others' joins
    expect(unstamped(frame)).toBe('{"type":"parted","user":"lee","room":"#dev","message":"see you all"}');
    sendFrame(json, { type: "part", room: "#dev", message: "bye" });
    expect(await ivy.waitFor(/ PART /)).toBe(":jay!jay@chat.test PART #dev :bye");
    ivy.client.raw("PART #dev :off now");
    expect(await ivy.waitFor(/ PART /)).toBe(":ivy!ivy@chat.test PART #dev :off now");
  });
});

describeCluster("words on leaving, on a cluster", () => {
  const cluster = clusterPerTest("1");

  it("carries a quit message to the IRC users of the other node (the departure's entry on the bus)", async () => {
    const irc = ["--irc-port", "0", "--server-name", "chat.test"];
    const [a, b] = await Promise.all([cluster.start("a", ...irc), cluster.start("b", ...irc)]);
    const ivy = await IrcClient.register(await a.node.port("irc"), "ivy");
    const bob = await TcpClient.login(b.port, "bob");
    const iris = await IrcClient.register(await b.node.port("irc"), "iris");
    expect(await ivy.waitFor(/JOIN #lobby$/)).toBe(":bob!bob@chat.test JOIN #lobby");
    expect(await ivy.waitFor(/JOIN #lobby$/)).toBe(":iris!iris@chat.test JOIN #lobby");
    bob.send("QUIT see you on the other side");
    expect(await ivy.waitFor(/ QUIT /)).toBe(":bob!bob@chat.test QUIT :Quit: see you on the other side");
    expect(await iris.waitFor(/ QUIT /)).toBe(":bob!bob@chat.test QUIT :Quit: see you on the other side");
    iris.client.quit("");
    expect(await ivy.waitFor(/ QUIT /)).toBe(":iris!iris@chat.test QUIT :Quit");
  }, 15_000);
});

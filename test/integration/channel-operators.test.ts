import { IrcClient } from "../support/irc-client";
import { loginJson, sendFrame, unstamped } from "../support/json-client";
import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { startTcpServer, type RunningServer } from "../support/tcp-server";
import { TcpClient } from "../support/tcp-client";

/** The IRC door's plugins with rooms (channels) and renames. */
const PLUGINS = ["login", "msg", "who", "dm", "ping", "quit", "rooms", "rename"].map((name) => ({ name }));

/** What the server says to `line`: every line up to the PONG of a PING sent after it (the server answers in order). */
async function answer(irc: IrcClient, line: string): Promise<string[]> {
  irc.client.raw(line);
  irc.client.raw("PING :answered");
  const said = await irc.linesUntil(/ PONG chat\.test :answered$/);
  return said.slice(0, -1);
}

/** The lines, a 353's names put in order of name (a cluster's Redis keeps a channel's members in no order). */
function namesInOrder(lines: readonly string[]): string[] {
  const name = (entry: string): string => entry.replace(/^@/, "");
  return lines.map((line) => {
    if (!/^:\S+ 353 /.test(line)) return line;
    const at = line.indexOf(" :", 1) + 2;
    return line.slice(0, at) + line.slice(at).split(" ").sort((a, b) => (name(a) < name(b) ? -1 : 1)).join(" ");
  });
}

/** WHOIS's channels (319) of `nick`, as `irc` is told them. */
async function whoisChannels(irc: IrcClient, nick: string): Promise<string | undefined> {
  return (await answer(irc, `WHOIS ${nick}`)).find((line) => / 319 /.test(line));
}

/** Asks each line in turn, and checks what the server says to it. */
async function expectAnswers(irc: IrcClient, cases: readonly (readonly [string, readonly string[]])[]): Promise<void> {
  for (const [line, said] of cases) expect([line, await answer(irc, line)]).toEqual([line, said]);
}

describe("channel operators and the secret mode (issue #20)", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  function start(): Promise<RunningServer> {
    return startTcpServer({
      plugins: PLUGINS,
      rateLimitPerSecond: 0,
      web: { port: 0, host: "127.0.0.1" },
      irc: { port: 0, host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" },
    });
  }

  it("makes a channel's maker its operator (@ in NAMES and WHO), who makes others operators and the channel secret; everyone else is refused", async () => {
    server = await start();
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    expect(await answer(ivy, "JOIN #Dev")).toEqual([":ivy!ivy@chat.test JOIN #dev", ":chat.test 353 ivy = #dev :@ivy", ":chat.test 366 ivy #dev :End of /NAMES list"]);
    const max = await IrcClient.register(server.ircPort, "max");
    expect(await answer(max, "JOIN #dev")).toEqual([":max!max@chat.test JOIN #dev", ":chat.test 353 max = #dev :@ivy max", ":chat.test 366 max #dev :End of /NAMES list"]);
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("JOIN #dev");
    expect(await bob.readLine()).toBe("OK");
    const jay = await loginJson(server.webPort, "jay");
    sendFrame(jay, { type: "join", room: "#dev" });
    expect(await jay.readLine()).toBe('{"type":"ok"}');
    for (const client of [ivy, max]) await client.waitFor(/^:jay!\S+ JOIN #dev$/);
    expect(await bob.readLine()).toBe("INFO jay joined #dev");

    await expectAnswers(max, [
      ["MODE #dev +o max", [":chat.test 482 max #dev :You're not channel operator"]],
      ["MODE #dev +s", [":chat.test 482 max #dev :You're not channel operator"]],
    ]);
    // Told to every member as it happens, the operator too: as IRC's MODE, the JSON API's mode event; the line protocol shows none.
    expect(await answer(ivy, "MODE #dev +o MAX")).toEqual([":ivy!ivy@chat.test MODE #dev +o max"]);
    expect(await max.waitFor(/ MODE /)).toBe(":ivy!ivy@chat.test MODE #dev +o max");
    expect(unstamped(await jay.readLine())).toBe('{"type":"mode","by":"ivy","room":"#dev","mode":"operator","user":"max","on":true}');
    expect(await answer(max, "MODE #dev +s")).toEqual([":max!max@chat.test MODE #dev +s"]);
    expect(unstamped(await jay.readLine())).toBe('{"type":"mode","by":"max","room":"#dev","mode":"secret","on":true}');
    expect(await ivy.waitFor(/ MODE /)).toBe(":max!max@chat.test MODE #dev +s");
    bob.send("PING");
    expect(await bob.readLine()).toBe("PONG");
    sendFrame(jay, { type: "members", room: "#dev" });
    expect(await jay.readLine()).toBe('{"type":"members","room":"#dev","members":["ivy","max","bob","jay"],"operators":["ivy","max"],"secret":true}');
    // The JSON API changes modes with the rooms plugin's verbs.
    sendFrame(jay, { type: "command", verb: "PUBLIC", params: ["#dev"], id: "p" });
    expect(await jay.readLine()).toBe('{"type":"error","code":"not-operator","subject":"#dev","for":"p"}');

    await expectAnswers(ivy, [
      ["NAMES #dev", [":chat.test 353 ivy @ #dev :@ivy @max bob jay", ":chat.test 366 ivy #dev :End of /NAMES list"]],
      // Several channels: each one's names, none for one that does not exist, then one 366 for the list as given.
      [
        "NAMES #dev,#nowhere,nonsense,#lobby",
        [
          ":chat.test 353 ivy @ #dev :@ivy @max bob jay",
          ":chat.test 353 ivy = #lobby :ivy max bob jay",
          ":chat.test 366 ivy #dev,#nowhere,nonsense,#lobby :End of /NAMES list",
        ],
      ],
      [
        "WHO #dev",
        [
          ":chat.test 352 ivy #dev ivy chat.test chat.test ivy H@ :0 ivy",
          ":chat.test 352 ivy #dev max chat.test chat.test max H@ :0 max",
          ":chat.test 352 ivy #dev bob chat.test chat.test bob H :0 bob",
          ":chat.test 352 ivy #dev jay chat.test chat.test jay H :0 jay",
          ":chat.test 315 ivy #dev :End of /WHO list",
        ],
      ],
      // A mask's WHO names no channel, so no channel's operators.
      ["WHO max", [":chat.test 352 ivy * max chat.test chat.test max H :0 max", ":chat.test 315 ivy max :End of /WHO list"]],
      ["WHO #dev %cnf", [":chat.test 354 ivy #dev ivy H@", ":chat.test 354 ivy #dev max H@", ":chat.test 354 ivy #dev bob H", ":chat.test 354 ivy #dev jay H", ":chat.test 315 ivy #dev :End of /WHO list"]],
      ["MODE #dev", [":chat.test 324 ivy #dev +nst"]],
      ["MODE #dev +o nobody", [":chat.test 441 ivy nobody #dev :They aren't on that channel"]],
      ["MODE #dev +o", [":chat.test 461 ivy MODE :Not enough parameters"]],
      ["MODE #dev +x", [":chat.test 472 ivy x :is unknown mode char to me"]],
      ["MODE #dev +nt", []],
      ["MODE #dev -t", [":chat.test NOTICE ivy :#dev: modes n and t are always set here"]],
      // Nothing changes, nothing is said.
      ["MODE #dev +s", []],
      ["MODE #lobby +s", [":chat.test 482 ivy #lobby :You're not channel operator"]],
      // Several changes at once, each in turn.
      ["MODE #dev -so max", [":ivy!ivy@chat.test MODE #dev -s", ":ivy!ivy@chat.test MODE #dev -o max"]],
      ["NAMES #dev", [":chat.test 353 ivy = #dev :@ivy max bob jay", ":chat.test 366 ivy #dev :End of /NAMES list"]],
    ]);
    expect(await whoisChannels(max, "ivy")).toBe(":chat.test 319 max ivy :#lobby @#dev");
  });

  it("lists a secret channel (LIST, LUSERS) and shows it (NAMES, WHO, MODE, WHOIS) to its members only; a later joiner sees its @", async () => {
    server = await start();
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    for (const line of ["JOIN #hidden", "JOIN #open"]) await answer(ivy, line);
    expect(await answer(ivy, "MODE #hidden +s")).toEqual([":ivy!ivy@chat.test MODE #hidden +s"]);
    const max = await IrcClient.register(server.ircPort, "max");
    await expectAnswers(max, [
      [
        "LIST",
        [
          ":chat.test 321 max Channel :Users  Name",
          ":chat.test 322 max #lobby 2 :Everyone on this server, whatever they connect with",
          ":chat.test 322 max #open 1 :",
          ":chat.test 323 max :End of /LIST",
        ],
      ],
      ["NAMES #hidden", [":chat.test 366 max #hidden :End of /NAMES list"]],
      ["WHO #hidden", [":chat.test 315 max #hidden :End of /WHO list"]],
      ["MODE #hidden", [":chat.test 403 max #hidden :No such channel"]],
    ]);
    expect(await whoisChannels(max, "ivy")).toBe(":chat.test 319 max ivy :#lobby @#open");
    expect(await answer(max, "JOIN #hidden")).toEqual([":max!max@chat.test JOIN #hidden", ":chat.test 353 max @ #hidden :@ivy max", ":chat.test 366 max #hidden :End of /NAMES list"]);
    expect(await whoisChannels(max, "ivy")).toBe(":chat.test 319 max ivy :#lobby @#hidden @#open");
    expect((await answer(max, "LUSERS")).filter((line) => / 254 /.test(line))).toEqual([":chat.test 254 max 3 :channels formed"]);
  });

  it("takes operator status away on PART and QUIT, and keeps it through a rename", async () => {
    server = await start();
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    await answer(ivy, "JOIN #dev");
    const max = await IrcClient.register(server.ircPort, "max");
    await answer(max, "JOIN #dev");
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("JOIN #dev");
    expect(await bob.readLine()).toBe("OK");
    for (const client of [ivy, max]) await client.waitFor(/^:bob!\S+ JOIN #dev$/);
    expect(await answer(ivy, "MODE #dev +o max")).toEqual([":ivy!ivy@chat.test MODE #dev +o max"]);
    expect(await answer(ivy, "NICK ivan")).toEqual([":ivy!ivy@chat.test NICK :ivan"]);
    await max.waitFor(/ NICK :ivan$/);
    expect(await answer(max, "NAMES #dev")).toEqual([":chat.test 353 max = #dev :@ivan @max bob", ":chat.test 366 max #dev :End of /NAMES list"]);
    await answer(ivy, "PART #dev");
    await answer(ivy, "JOIN #dev");
    await max.waitFor(/^:ivan!\S+ JOIN #dev$/);
    expect(await answer(max, "NAMES #dev")).toEqual([":chat.test 353 max = #dev :@max bob ivan", ":chat.test 366 max #dev :End of /NAMES list"]);
    max.client.quit("bye");
    expect(await ivy.waitFor(/ QUIT /)).toBe(":max!max@chat.test QUIT :Quit: bye");
    // Nobody operates the channel now; its maker is gone.
    expect(await answer(ivy, "NAMES #dev")).toEqual([":chat.test 353 ivan = #dev :bob ivan", ":chat.test 366 ivan #dev :End of /NAMES list"]);
    expect(await answer(ivy, "MODE #dev +s")).toEqual([":chat.test 482 ivan #dev :You're not channel operator"]);
  });
});

describeCluster("channel operators across a cluster (issue #20)", () => {
  const cluster = clusterPerTest("1");
  const irc = ["--irc-port", "0", "--server-name", "chat.test", "--plugins", "login,msg,who,dm,ping,quit,rooms,rename"];

  it("keeps a channel's operators and modes in Redis: made on one node, seen, used and lost on another", async () => {
    const [a, b] = await Promise.all([cluster.start("a", ...irc), cluster.start("b", ...irc)]);
    const [aPort, bPort] = await Promise.all([a.node.port("irc"), b.node.port("irc")]);
    const ivy = await IrcClient.register(aPort, "ivy");
    await answer(ivy, "JOIN #dev");
    const iris = await IrcClient.register(bPort, "iris");
    expect(namesInOrder(await answer(iris, "JOIN #dev"))).toEqual([":iris!iris@chat.test JOIN #dev", ":chat.test 353 iris = #dev :iris @ivy", ":chat.test 366 iris #dev :End of /NAMES list"]);
    await ivy.waitFor(/^:iris!\S+ JOIN #dev$/);
    // Refused on node b: the operators are the registry's, not node b's own first member.
    expect(await answer(iris, "MODE #dev +s")).toEqual([":chat.test 482 iris #dev :You're not channel operator"]);
    expect(await answer(ivy, "MODE #dev +so iris")).toEqual([":ivy!ivy@chat.test MODE #dev +s", ":ivy!ivy@chat.test MODE #dev +o iris"]);
    expect(await iris.waitFor(/ MODE #dev \+o /)).toBe(":ivy!ivy@chat.test MODE #dev +o iris");
    const bob = await TcpClient.login(b.port, "bob");
    bob.send("ROOMS");
    expect(await bob.readLine()).toBe("END ROOMS");
    for (const client of [ivy, iris]) await client.waitFor(/^:bob!\S+ JOIN #lobby$/);
    expect(namesInOrder(await answer(iris, "NAMES #dev"))).toEqual([":chat.test 353 iris @ #dev :@iris @ivy", ":chat.test 366 iris #dev :End of /NAMES list"]);
    expect(await answer(iris, "MODE #dev")).toEqual([":chat.test 324 iris #dev +nst"]);
    expect(await whoisChannels(iris, "ivy")).toBe(":chat.test 319 iris ivy :#lobby @#dev");
    // A rename on node a keeps ivy an operator; node b sees it under the new name.
    expect(await answer(ivy, "NICK ivan")).toEqual([":ivy!ivy@chat.test NICK :ivan"]);
    expect(await iris.waitFor(/ NICK /)).toBe(":ivy!ivy@chat.test NICK :ivan");
    expect(namesInOrder(await answer(iris, "NAMES #dev"))).toEqual([":chat.test 353 iris @ #dev :@iris @ivan", ":chat.test 366 iris #dev :End of /NAMES list"]);
    expect(await answer(iris, "MODE #dev -o ivan")).toEqual([":iris!iris@chat.test MODE #dev -o ivan"]);
    expect(await ivy.waitFor(/ MODE #dev -o /)).toBe(":iris!iris@chat.test MODE #dev -o ivan");
    // Node b's iris leaves: the departure's script takes her operator status with her.
    iris.client.quit("later");
    expect(await ivy.waitFor(/ QUIT /)).toBe(":iris!iris@chat.test QUIT :Quit: later");
    expect(await answer(ivy, "NAMES #dev")).toEqual([":chat.test 353 ivan @ #dev :ivan", ":chat.test 366 ivan #dev :End of /NAMES list"]);
    expect(await answer(ivy, "MODE #dev -s")).toEqual([":chat.test 482 ivan #dev :You're not channel operator"]);
  }, 15_000);
});

import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { IrcClient } from "../support/irc-client";
import { TcpClient } from "../support/tcp-client";

/* IRC users out of the lobby, and user mode +i, across a cluster: real server processes sharing one real Redis (see the cluster fixture). */
const LEASE_SECONDS = "1";

const IRC = ["--irc-port", "0", "--server-name", "chat.test"];
const PLUGINS = ["--plugins", "login,msg,who,dm,ping,quit,rename,rooms"];

/** Everything the client is sent from now on until the answer to a PING sent after `lines`. */
async function sentUntilPong(irc: IrcClient, ...lines: string[]): Promise<string[]> {
  for (const line of lines) irc.client.raw(line);
  irc.client.raw("PING :done");
  return (await irc.linesUntil(/ PONG chat\.test :done$/)).slice(0, -1);
}

describeCluster("IRC users out of the lobby, across a cluster", () => {
  const cluster = clusterPerTest(LEASE_SECONDS);
  afterEach(() => IrcClient.closeAll());

  it("sends one out of it, from another node, its room-mates' NICK and QUIT (with its reason) and a DM; no message to everyone, login, or stranger's; of a node's users reaped together, only its room-mate", async () => {
    const [a, b] = await Promise.all([cluster.start("a", ...IRC, "--irc-join-lobby", "off", ...PLUGINS), cluster.start("b", ...PLUGINS)]);
    const ivy = await IrcClient.registerOutside(await a.node.port("irc"), "ivy");
    const lee = await TcpClient.login(b.port, "lee");
    const max = await TcpClient.login(b.port, "max");
    const sam = await TcpClient.login(b.port, "sam");
    await sentUntilPong(ivy, "JOIN #dev");
    for (const mate of [lee, max]) {
      mate.send("JOIN #dev");
      expect(await mate.readLine()).toBe("OK");
    }
    expect(await ivy.linesUntil(/^:max\S* JOIN /)).toEqual([":lee!lee@chat.test JOIN #dev", ":max!max@chat.test JOIN #dev"]);

    lee.send("MSG hello everyone");
    sam.send("NICK samuel");
    expect(await sam.readLines(2)).toEqual(["MSG lee hello everyone", "OK"]);
    lee.send("NICK leo");
    expect(await lee.readLines(3)).toEqual(["INFO max joined #dev", "INFO sam is now samuel", "OK"]);
    sam.send("DM ivy psst");
    expect(await ivy.linesUntil(/ PRIVMSG /)).toEqual([":lee!lee@chat.test NICK :leo", ":samuel!samuel@chat.test PRIVMSG ivy :psst"]);

    lee.send("QUIT gone home");
    expect(await lee.readLine()).toBe("INFO bye");
    expect(await ivy.linesUntil(/ QUIT /)).toEqual([":leo!leo@chat.test QUIT :Quit: gone home"]);

    // Node b dies with max and samuel: the node that reaps it frees both names in one step.
    cluster.nodes[1]!.kill("SIGKILL");
    expect(await ivy.linesUntil(/ QUIT /)).toEqual([":max!max@chat.test QUIT :Quit"]);
    expect(await sentUntilPong(ivy)).toEqual([]);
  });

  it("keeps +i in the profile: a WHO by mask on another node hides the user, a WHO of its nick finds it, LUSERS counts it", async () => {
    const [a, b] = await Promise.all([cluster.start("a", ...IRC, "--irc-join-lobby", "off", ...PLUGINS), cluster.start("b", ...IRC, ...PLUGINS)]);
    const evan = await IrcClient.register(await b.node.port("irc"), "evan");
    expect(await sentUntilPong(evan, "MODE evan +i")).toEqual([":evan MODE evan :+i"]);
    const shivaram = await IrcClient.registerOutside(await a.node.port("irc"), "shivaram");
    expect(await sentUntilPong(shivaram, "WHO eva*", "WHO evan", "LUSERS")).toEqual([
      ":chat.test 315 shivaram eva* :End of /WHO list",
      ":chat.test 352 shivaram * evan chat.test chat.test evan H :0 evan",
      ":chat.test 315 shivaram evan :End of /WHO list",
      ":chat.test 251 shivaram :There are 1 users and 1 invisible on 1 servers",
      ":chat.test 254 shivaram 1 :channels formed",
      ":chat.test 255 shivaram :I have 2 clients and 1 servers",
      ":chat.test 265 shivaram :Current local users: 2",
      ":chat.test 266 shivaram :Current global users: 2",
    ]);
  });
});

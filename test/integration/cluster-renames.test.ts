import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { IrcClient } from "../support/irc-client";
import { TcpClient } from "../support/tcp-client";
import { WsClient } from "../support/ws-client";

/* Renames across a cluster: real server processes sharing one real Redis (see the cluster fixture). */
const LEASE_SECONDS = "1";
/** Three doors on two nodes: room for a loaded machine. */
const SLOW_TEST_MS = 15_000;

/** Every door of a node: TCP, the web port (/ws), IRC; the default plugins and rooms. */
const DOORS = ["--web-port", "0", "--web-host", "127.0.0.1", "--irc-port", "0", "--server-name", "chat.test"];
const PLUGINS = ["--plugins", "login,msg,who,dm,ping,quit,resume,rename,rooms"];

/** A node's TCP port, and its users, one a door: TCP, /ws, IRC. */
interface NodeUsers {
  readonly port: number;
  readonly tcp: TcpClient;
  readonly web: WsClient;
  readonly irc: IrcClient;
}

/** Proves that nothing else came before: the next line is the answer to a PING. */
async function nothingMore(client: TcpClient | WsClient): Promise<void> {
  client.send("PING");
  expect(await client.readLine()).toBe("PONG");
}

describeCluster("renames across a cluster", () => {
  const cluster = clusterPerTest(LEASE_SECONDS);
  afterEach(() => {
    WsClient.closeAll();
    IrcClient.closeAll();
  });

  /** Nodes a and b with every door, and a user on each door, logged in in order: `a-tcp`, `a-web`, `a-irc`, then b's. */
  async function twoNodes(): Promise<[NodeUsers, NodeUsers]> {
    const nodes = await Promise.all(["a", "b"].map((name) => cluster.start(name, ...DOORS, ...PLUGINS)));
    const users: NodeUsers[] = [];
    for (const [index, { node, port }] of nodes.entries()) {
      const prefix = index === 0 ? "a" : "b";
      users.push({
        port,
        tcp: await TcpClient.login(port, `${prefix}-tcp`),
        web: await WsClient.login(await node.port("web"), `${prefix}-web`),
        irc: await IrcClient.register(await node.port("irc"), `${prefix}-irc`),
      });
    }
    return [users[0]!, users[1]!];
  }

  it("tells TCP, web and IRC users on both nodes once; the user keeps its room and its place in WHO, and is reached by the new name only", async () => {
    const [a, b] = await twoNodes();
    const alice = await TcpClient.login(a.port, "alice");
    alice.send("JOIN #dev");
    expect(await alice.readLine()).toBe("OK");
    b.tcp.send("JOIN #dev");
    expect(await b.tcp.readLine()).toBe("OK");
    expect(await alice.readLine()).toBe("INFO b-tcp joined #dev");

    alice.send("NICK alicia");
    expect(await alice.readLine()).toBe("OK");
    for (const { tcp, web, irc } of [a, b]) {
      expect(await tcp.readLine()).toBe("INFO alice is now alicia");
      expect(await web.readLine()).toBe("INFO alice is now alicia");
      expect(await irc.waitFor(/ NICK /)).toBe(":alice!alice@chat.test NICK :alicia");
    }

    // Its room, on the other node: the members, and messages both ways.
    b.tcp.send("MEMBERS #dev");
    expect((await b.tcp.readLines(3)).sort()).toEqual(["END MEMBERS", "MEMBER alicia", "MEMBER b-tcp"]);
    b.tcp.send("MSG #dev hi alicia");
    expect(await alice.readLine()).toBe("MSG b-tcp #dev hi alicia");
    alice.send("MSG #dev still here");
    expect(await b.tcp.readLine()).toBe("MSG alicia #dev still here");

    // Reached by the new name only, from the other node.
    b.web.send("DM alicia psst");
    expect(await alice.readLine()).toBe("DM b-web psst");
    b.web.send("DM alice psst?");
    expect(await b.web.readLine()).toBe("ERR user-not-found alice");
    b.irc.client.say("alicia", "from irc");
    expect(await alice.readLine()).toBe("DM b-irc from irc");

    // In the old name's place in the login order; the old name free, and nobody was told it left.
    b.tcp.send("WHO");
    expect(await b.tcp.readLines(8)).toEqual(["USER a-tcp", "USER a-web", "USER a-irc", "USER b-tcp", "USER b-web", "USER b-irc", "USER alicia", "END WHO"]);
    for (const { tcp, web } of [a, b]) {
      await nothingMore(tcp);
      await nothingMore(web);
    }
    const again = await TcpClient.login(b.port, "ALICE");
    await nothingMore(again);
  }, SLOW_TEST_MS);

  it("resumes a renamed session on the other node under its new name, in its room and its place in WHO", async () => {
    const plain = ["--plugins", "login,msg,who,dm,ping,quit,resume,rename,rooms"];
    const [a, b] = await Promise.all([cluster.start("a", ...plain), cluster.start("b", ...plain)]);
    const alice = await TcpClient.login(a.port, "alice");
    const bob = await TcpClient.login(b.port, "bob");
    alice.send("RESUMABLE");
    const token = (await alice.readLine()).split(" ")[1]!;
    for (const line of ["JOIN #dev", "NICK alicia"]) {
      alice.send(line);
      expect(await alice.readLine()).toBe("OK");
    }
    expect(await bob.readLine()).toBe("INFO alice is now alicia");
    alice.reset();
    await a.node.waitForLog("connection dropped, resumable");
    const phone = await TcpClient.resume(b.port, token, 2);
    expect(await phone.readLine()).toMatch(/^RESUMED alicia \S+$/);
    bob.send("DM alicia found you");
    expect(await phone.readLine()).toBe("DM bob found you");
    bob.send("MEMBERS #dev");
    expect(await bob.readLines(2)).toEqual(["MEMBER alicia", "END MEMBERS"]);
    bob.send("WHO");
    expect(await bob.readLines(3)).toEqual(["USER alicia", "USER bob", "END WHO"]);
    phone.send("MSG #dev back");
    phone.send("PING");
    expect(await phone.readLine()).toBe("PONG");
    await nothingMore(bob);
  }, SLOW_TEST_MS);

  it("refuses a name a user of another node holds, whatever its case; an IRC user's rename reaches the other node's users", async () => {
    const [a, b] = await twoNodes();
    a.tcp.send("NICK B-WEB");
    expect(await a.tcp.readLine()).toBe("ERR username-taken");
    a.irc.client.raw("NICK b-irc");
    expect(await a.irc.waitFor(/ 433 /)).toBe(":chat.test 433 a-irc b-irc :Nickname is already in use");
    a.irc.client.raw("NICK ivy");
    expect(await a.irc.waitFor(/ NICK /)).toBe(":a-irc!a-irc@chat.test NICK :ivy");
    expect(await b.tcp.readLine()).toBe("INFO a-irc is now ivy");
    expect(await b.web.readLine()).toBe("INFO a-irc is now ivy");
    expect(await b.irc.waitFor(/ NICK /)).toBe(":a-irc!a-irc@chat.test NICK :ivy");
    b.tcp.send("DM ivy hello");
    expect(await a.irc.waitFor(/PRIVMSG/)).toBe(":b-tcp!b-tcp@chat.test PRIVMSG ivy :hello");
  }, SLOW_TEST_MS);
});

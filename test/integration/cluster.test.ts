import Redis from "ioredis";
import { CliProcess } from "../support/cli-process";
import { freePort, RedisServer } from "../../src/testing/redis-server";
import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { expectWholeBurst, sendBurst } from "../support/bursts";
import { IrcClient } from "../support/irc-client";
import { TcpClient } from "../support/tcp-client";

/* Several real server processes sharing one real Redis, spoken to over TCP (see the cluster fixture). */
const LEASE_SECONDS = "1";
/** For tests that wait for a lease to run out or start extra processes: room for a loaded machine. */
const SLOW_TEST_MS = 15_000;

describeCluster("a cluster of servers through Redis", () => {
  const cluster = clusterPerTest(LEASE_SECONDS);
  const { nodes } = cluster;
  const startNode = cluster.start;

  /** Proves that nothing else came before: the next line is the answer to a PING. */
  async function nothingMore(client: TcpClient): Promise<void> {
    client.send("PING");
    expect(await client.readLine()).toBe("PONG");
  }

  it("lets IRC and TCP users on three nodes talk: logins are JOINs, messages PRIVMSGs, departures QUITs", async () => {
    const irc = ["--irc-port", "0", "--server-name", "chat.test"];
    const [a, b, c] = await Promise.all([startNode("a", ...irc), startNode("b", ...irc), startNode("c", ...irc)]);
    const ivy = await IrcClient.register(await a.node.port("irc"), "ivy");
    const bob = await TcpClient.login(b.port, "bob");
    expect(await ivy.waitFor(/JOIN #lobby$/)).toBe(":bob!bob@chat.test JOIN #lobby");
    const iris = await IrcClient.register(await c.node.port("irc"), "iris");
    expect(iris.lines).toContain(":chat.test 353 iris = #lobby :ivy bob iris");
    expect(await ivy.waitFor(/JOIN #lobby$/)).toBe(":iris!iris@chat.test JOIN #lobby");
    bob.send("MSG from b");
    for (const client of [ivy, iris]) expect(await client.waitFor(/PRIVMSG/)).toBe(":bob!bob@chat.test PRIVMSG #lobby :from b");
    ivy.client.say("#lobby", "from a");
    expect(await bob.readLine()).toBe("MSG ivy from a");
    expect(await iris.waitFor(/PRIVMSG/)).toBe(":ivy!ivy@chat.test PRIVMSG #lobby :from a");
    iris.client.say("bob", "psst from c");
    expect(await bob.readLine()).toBe("DM iris psst from c");
    bob.send("QUIT");
    for (const client of [ivy, iris]) expect(await client.waitFor(/QUIT/)).toBe(":bob!bob@chat.test QUIT :Quit");
  }, SLOW_TEST_MS);

  it("hands a burst from another node to this node's readers a turn's worth at a time: none is dropped", async () => {
    // The stream gives a node up to 1000 lines at once; handed over in one
    // turn, 800 KB each, they would overflow every reader's 64 KB queue.
    const [a, b] = await Promise.all([startNode("a", "--max-send-queue", "65536"), startNode("b", "--max-send-queue", "65536")]);
    const readers = await Promise.all(["r1", "r2"].map((name) => TcpClient.login(b.port, name)));
    const senders = await Promise.all(Array.from({ length: 10 }, (_, i) => TcpClient.login(a.port, `s${i}`)));
    await sendBurst(senders);
    for (const reader of readers) {
      expectWholeBurst(await reader.readLines(200), senders.length);
      await nothingMore(reader);
    }
    expect(b.node.logs().filter((log) => log.msg === "send queue exceeded")).toEqual([]);
  }, SLOW_TEST_MS);

  it("delivers MSG to every user on every node exactly once, in the order sent, and WHO lists them all", async () => {
    const [a, b, c] = await Promise.all([startNode("a"), startNode("b"), startNode("c")]);
    const alice = await TcpClient.login(a.port, "alice");
    const bob = await TcpClient.login(b.port, "bob");
    const carol = await TcpClient.login(c.port, "carol");
    const dan = await TcpClient.login(a.port, "dan");
    const sent = Array.from({ length: 30 }, (_, i) => `MSG line ${i}`);
    await alice.write(`${sent.join("\n")}\n`);
    const expected = sent.map((line) => line.replace("MSG", "MSG alice"));
    for (const receiver of [bob, carol, dan]) {
      expect(await receiver.readLines(30)).toEqual(expected);
      await nothingMore(receiver);
    }
    await nothingMore(alice);
    bob.send("WHO");
    expect(await bob.readLines(5)).toEqual(["USER alice", "USER bob", "USER carol", "USER dan", "END WHO"]);
  });

  it("finds a DM's target on any node, and answers an unknown one", async () => {
    const [a, b] = await Promise.all([startNode("a"), startNode("b")]);
    const alice = await TcpClient.login(a.port, "alice");
    const bob = await TcpClient.login(b.port, "Bob");
    alice.send("DM bob psst");
    expect(await bob.readLine()).toBe("DM alice psst");
    alice.send("DM ghost boo");
    expect(await alice.readLine()).toBe("ERR user-not-found ghost");
  });

  it("tells everyone on every node once when a user leaves, and frees the name at once", async () => {
    const [a, b, c] = await Promise.all([startNode("a"), startNode("b"), startNode("c")]);
    const alice = await TcpClient.login(a.port, "alice");
    const bob = await TcpClient.login(b.port, "bob");
    const carol = await TcpClient.login(c.port, "carol");
    bob.send("QUIT");
    await bob.readUntilClosed();
    for (const client of [alice, carol]) {
      expect(await client.readLine()).toBe("INFO bob disconnected");
      await nothingMore(client);
    }
    const again = await TcpClient.connect(c.port);
    again.send("LOGIN BOB");
    expect(await again.readLine()).toBe("OK");
  });

  it("gives a name to exactly one of two LOGINs on two nodes at the same instant", async () => {
    const [a, b] = await Promise.all([startNode("a"), startNode("b")]);
    for (let round = 0; round < 20; round++) {
      const [first, second] = await Promise.all([TcpClient.connect(a.port), TcpClient.connect(b.port)]);
      first.send(`LOGIN racer${round}`);
      second.send(`LOGIN RACER${round}`);
      const answers = [await first.readLine(), await second.readLine()].sort();
      expect(answers).toEqual(["ERR username-taken", "OK"]);
    }
  });

  it("spans nodes with rooms", async () => {
    const plugins = ["--plugins", "login,msg,ping,rooms"];
    const [a, b] = await Promise.all([startNode("a", ...plugins), startNode("b", ...plugins)]);
    const alice = await TcpClient.login(a.port, "alice");
    const bob = await TcpClient.login(b.port, "bob");
    const carol = await TcpClient.login(b.port, "carol");
    alice.send("JOIN #dev");
    expect(await alice.readLine()).toBe("OK");
    bob.send("JOIN #dev");
    expect(await bob.readLine()).toBe("OK");
    expect(await alice.readLine()).toBe("INFO bob joined #dev");
    bob.send("MSG #dev across nodes");
    expect(await alice.readLine()).toBe("MSG bob #dev across nodes");
    await nothingMore(carol);
    carol.send("ROOMS");
    expect(await carol.readLines(2)).toEqual(["ROOM #dev 2", "END ROOMS"]);
  });

  it("frees the names of a node killed with SIGKILL and announces its users, within the lease", async () => {
    const [a, b] = await Promise.all([startNode("a"), startNode("b")]);
    const alice = await TcpClient.login(a.port, "alice");
    await TcpClient.login(b.port, "bob");
    await TcpClient.login(b.port, "bea");
    nodes[1]!.kill("SIGKILL");
    expect((await alice.readLines(2)).sort()).toEqual(["INFO bea disconnected", "INFO bob disconnected"]);
    await nothingMore(alice);
    const again = await TcpClient.connect(a.port);
    again.send("LOGIN bob");
    expect(await again.readLine()).toBe("OK");
  });

  it("keeps serving its own users while Redis is away, says so, and rejoins when it is back", async () => {
    const [a, b] = await Promise.all([startNode("a", "--metrics-port", "0"), startNode("b")]);
    const metricsPort = await a.node.port("metrics");
    const gauge = async (): Promise<string | undefined> =>
      (await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).split("\n").find((line) => line.startsWith("chat_cluster_connected"));
    const alice = await TcpClient.login(a.port, "alice");
    const dan = await TcpClient.login(a.port, "dan");
    const bob = await TcpClient.login(b.port, "bob");
    expect(await gauge()).toBe("chat_cluster_connected 1");

    await cluster.redis.stop();
    await a.node.waitForLog("lost the cluster (Redis): serving this node's users alone");
    expect(await gauge()).toBe("chat_cluster_connected 0");
    alice.send("MSG just us");
    expect(await dan.readLine()).toBe("MSG alice just us"); // this node's users still get it
    expect(await alice.readLine()).toBe("ERR cluster-unavailable"); // and the sender learns the rest did not
    const late = await TcpClient.connect(a.port);
    late.send("LOGIN late");
    expect(await late.readLine()).toBe("ERR cluster-unavailable");
    alice.send("WHO");
    expect(await alice.readLine()).toBe("ERR cluster-unavailable");

    await cluster.redis.restart(); // empty: every node puts its users back
    await Promise.all([a.node.waitForLog("back in the cluster"), b.node.waitForLog("back in the cluster")]);
    expect(await gauge()).toBe("chat_cluster_connected 1");
    bob.send("MSG we are back");
    expect(await alice.readLine()).toBe("MSG bob we are back");
    expect(await dan.readLine()).toBe("MSG bob we are back");
    bob.send("WHO");
    expect((await bob.readLines(4)).sort()).toEqual(["END WHO", "USER alice", "USER bob", "USER dan"]);
  });

  it("answers JOIN, PART and ROOMS with ERR cluster-unavailable while Redis is away, and delivers MSG #room to the room's members on this node first", async () => {
    const plugins = ["--plugins", "login,msg,ping,rooms"];
    const [a, b] = await Promise.all([startNode("a", ...plugins), startNode("b", ...plugins)]);
    const alice = await TcpClient.login(a.port, "alice");
    const dan = await TcpClient.login(a.port, "dan");
    const bob = await TcpClient.login(b.port, "bob");
    for (const client of [alice, dan, bob]) {
      client.send("JOIN #dev");
      expect(await client.readLine()).toBe("OK");
    }
    expect(await alice.readLines(2)).toEqual(["INFO dan joined #dev", "INFO bob joined #dev"]);
    expect(await dan.readLine()).toBe("INFO bob joined #dev");

    await cluster.redis.stop();
    await a.node.waitForLog("lost the cluster (Redis): serving this node's users alone");
    alice.send("MSG #dev just us");
    expect(await dan.readLine()).toBe("MSG alice #dev just us"); // this node's members still get it
    expect(await alice.readLine()).toBe("ERR cluster-unavailable"); // and the sender learns the others did not
    alice.send("JOIN #ops");
    expect(await alice.readLine()).toBe("ERR cluster-unavailable");
    dan.send("PART #dev");
    expect(await dan.readLine()).toBe("ERR cluster-unavailable");
    dan.send("ROOMS");
    expect(await dan.readLine()).toBe("ERR cluster-unavailable");
    // Refused means nothing changed: alice is in no #ops, dan still in #dev.
    alice.send("MSG #ops hello");
    expect(await alice.readLine()).toBe("ERR not-in-room #ops");
    alice.send("MSG #dev still here?");
    expect(await dan.readLine()).toBe("MSG alice #dev still here?");
    expect(await alice.readLine()).toBe("ERR cluster-unavailable");

    await cluster.redis.restart(); // empty: every node puts its users and their rooms back
    await Promise.all([a.node.waitForLog("back in the cluster"), b.node.waitForLog("back in the cluster")]);
    bob.send("MSG #dev we are back");
    expect(await alice.readLine()).toBe("MSG bob #dev we are back");
    expect(await dan.readLine()).toBe("MSG bob #dev we are back");
    bob.send("ROOMS");
    expect(await bob.readLines(2)).toEqual(["ROOM #dev 3", "END ROOMS"]);
    await nothingMore(bob); // nothing said while Redis was away reached it
    await nothingMore(alice);
  }, 15_000);

  it("keeps each sender's order across MSG, DM and its departure", async () => {
    const [a, b] = await Promise.all([startNode("a"), startNode("b")]);
    const alice = await TcpClient.login(a.port, "alice");
    const bob = await TcpClient.login(b.port, "bob");
    const lines = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? `MSG m${i}` : `DM bob d${i}`));
    await alice.write(`${lines.join("\n")}\nDM bob bye\nQUIT\n`);
    expect(await bob.readLines(22)).toEqual([
      ...lines.map((line) => (line.startsWith("MSG") ? line.replace("MSG", "MSG alice") : line.replace("DM bob", "DM alice"))),
      "DM alice bye",
      "INFO alice disconnected",
    ]);
  });

  it("takes out a node paused past its lease; resumed, it rejoins, and a user whose name was taken meanwhile goes", async () => {
    const [a, b] = await Promise.all([startNode("a"), startNode("b")]);
    const alice = await TcpClient.login(a.port, "alice");
    const bob = await TcpClient.login(b.port, "bob");
    const bea = await TcpClient.login(b.port, "bea");
    const paused = nodes[1]!;
    paused.kill("SIGSTOP");
    expect((await alice.readLines(2)).sort()).toEqual(["INFO bea disconnected", "INFO bob disconnected"]);
    const newBob = await TcpClient.login(a.port, "BOB");
    paused.kill("SIGCONT");
    await paused.waitForLog("back in the cluster");
    expect(await bob.readUntilClosed()).toEqual(["ERR username-taken"]);
    expect(await bea.readLine()).toBe("INFO bob disconnected"); // the bob of her node left
    await nothingMore(bea); // she kept her name, and heard no news of herself
    alice.send("WHO");
    expect(await alice.readLines(4)).toEqual(["USER alice", "USER bea", "USER BOB", "END WHO"]);
    newBob.send("QUIT");
    expect(await alice.readLine()).toBe("INFO BOB disconnected");
    await nothingMore(alice);
  });

  it("starts a node killed with SIGKILL again under its id once its claim has run out, and announces its previous users", async () => {
    // Node a looks for dead nodes only every 20 s: the restarted b is the one that clears what its previous run left.
    const [a] = await Promise.all([startNode("a", "--redis-lease", "60"), startNode("b")]);
    const alice = await TcpClient.login(a.port, "alice");
    await TcpClient.login(await nodes[1]!.port("tcp"), "bob");
    nodes[1]!.kill("SIGKILL");
    const restarted = await startNode("b");
    await restarted.node.waitForLog("cleared what a previous run of this node left", { node: "b", users: 1 });
    expect(await alice.readLine()).toBe("INFO bob disconnected");
    await nothingMore(alice);
    const again = await TcpClient.connect(restarted.port);
    again.send("LOGIN bob");
    expect(await again.readLine()).toBe("OK");
    again.send("MSG back");
    expect(await alice.readLine()).toBe("MSG bob back");
  }, SLOW_TEST_MS);

  it("refuses to start a second node under the id of a live one, which keeps its users and every line", async () => {
    const [a, b] = await Promise.all([startNode("a"), startNode("b")]);
    const alice = await TcpClient.login(a.port, "alice");
    const bob = await TcpClient.login(b.port, "bob");
    const second = await CliProcess.run(["--port", "0", "--redis", cluster.redis.url, "--redis-lease", LEASE_SECONDS, "--node-id", "b", "--database", "none"]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      'chat-server: the node id "b" is in use: another server holds it in Redis, and its claim did not run out within the lease (1 s)\n',
    );
    // Nobody was taken out, and nobody skips the other's lines as its own.
    alice.send("MSG hello bob");
    expect(await bob.readLine()).toBe("MSG alice hello bob");
    bob.send("MSG hello alice");
    expect(await alice.readLine()).toBe("MSG bob hello alice");
    await nothingMore(alice);
    await nothingMore(bob);
    alice.send("WHO");
    expect(await alice.readLines(3)).toEqual(["USER alice", "USER bob", "END WHO"]);
  }, SLOW_TEST_MS);

  it.each([
    ["of a later format", "6", "6"],
    ["of the versions that record none (format 1)", null, "1"],
  ])("refuses to start a node in a cluster whose running nodes are %s, and changes nothing", async (_, recorded, named) => {
    await startNode("a");
    const admin = new Redis(cluster.redis.url);
    try {
      // Node a stands for a node of that format: its claim and its entries, with that record or none.
      if (recorded === null) await admin.del("chat:format");
      else await admin.set("chat:format", recorded);
      const exit = await CliProcess.run(["--port", "0", "--redis", cluster.redis.url, "--redis-lease", LEASE_SECONDS, "--node-id", "b", "--database", "none"]);
      expect(exit.code).toBe(1);
      expect(exit.stderr).toBe(
        `chat-server: the cluster in Redis is of format ${named} and this node of format 5: nodes of different formats cannot run together. Stop all nodes, then start the new version\n`,
      );
      expect(await admin.get("chat:format")).toBe(recorded);
      expect(await admin.smembers("chat:nodes")).toEqual(["a"]);
    } finally {
      admin.disconnect();
    }
  });

  it("records the format again when Redis lost it, and stops a node that finds nodes of another format running as it rejoins", async () => {
    const [a, b] = await Promise.all([startNode("a", "--metrics-port", "0"), startNode("b")]);
    const alice = await TcpClient.login(a.port, "alice");
    const admin = new Redis(cluster.redis.url);
    try {
      await admin.flushall(); // Redis lost everything: the nodes rejoin, and record their format again
      await Promise.all([a.node.waitForLog("back in the cluster"), b.node.waitForLog("back in the cluster")]);
      expect(await admin.get("chat:format")).toBe("5");
      // Node a's claim lapses while a node of format 6 (x) runs: a must not rejoin among them.
      await admin.multi().del("chat:node:a").set("chat:format", "6").sadd("chat:nodes", "x").set("chat:node:x", "token-x", "PX", 60_000).exec();
      expect(
        await a.node.waitForLog(
          "the cluster's running nodes are of another format: this node no longer acts for the cluster and serves its users alone; stop all nodes, then start the new version",
          { node: "a" },
        ),
      ).toMatchObject({
        err: "the cluster in Redis is of format 6 and this node of format 5: nodes of different formats cannot run together. Stop all nodes, then start the new version",
      });
      alice.send("MSG anyone there?");
      expect(await alice.readLine()).toBe("ERR cluster-unavailable");
      const health = await fetch(`http://127.0.0.1:${await a.node.port("metrics")}/healthz`);
      expect([health.status, await health.text()]).toEqual([503, '{"status":"displaced","connections":1}']);
    } finally {
      admin.disconnect();
    }
  }, SLOW_TEST_MS);

  it("stops a node paused past its lease whose id another process took: it says so, and leaves the id and its lines alone", async () => {
    const [a, c] = await Promise.all([startNode("a", "--metrics-port", "0"), startNode("c")]);
    const health = async (): Promise<[number, string]> => {
      const response = await fetch(`http://127.0.0.1:${await a.node.port("metrics")}/healthz`);
      return [response.status, await response.text()];
    };
    const alice = await TcpClient.login(a.port, "alice");
    const carol = await TcpClient.login(c.port, "carol");
    const paused = a.node;
    paused.kill("SIGSTOP");
    const second = await startNode("a"); // takes the id once the paused node's claim has run out
    expect(await carol.readLine()).toBe("INFO alice disconnected");
    const anne = await TcpClient.login(second.port, "anne");

    paused.kill("SIGCONT");
    await paused.waitForLog(
      "another process holds this node's id in Redis (this one was paused or cut off past its lease): it no longer acts for the cluster and serves its users alone; restart it",
      { node: "a" },
    );
    alice.send("MSG anyone there?");
    expect(await alice.readLine()).toBe("ERR cluster-unavailable");
    expect(await health()).toEqual([503, '{"status":"displaced","connections":1}']);

    // The process that holds the id now and the other nodes go on, losing nothing between them.
    anne.send("MSG from the new a");
    expect(await carol.readLine()).toBe("MSG anne from the new a");
    carol.send("MSG from c");
    expect(await anne.readLine()).toBe("MSG carol from c");
    await nothingMore(carol);
    await nothingMore(anne);
    carol.send("WHO");
    expect(await carol.readLines(3)).toEqual(["USER carol", "USER anne", "END WHO"]);
    await nothingMore(alice);
    expect(paused.logs().map((log) => log.msg)).not.toContain("back in the cluster");
  }, SLOW_TEST_MS);

  it("prints no password when Redis refuses it, not even in debug logs (ioredis keeps AUTH's arguments on its errors)", async () => {
    const guarded = await RedisServer.start({ password: "the-right-one" });
    try {
      const url = `redis://default:secret-guess@127.0.0.1:${guarded.port}`;
      const exit = await CliProcess.run(["--port", "0", "--redis", url, "--log-level", "debug", "--database", "none"]);
      expect(exit.code).toBe(1);
      expect(exit.stderr).toBe(
        `chat-server: cannot reach Redis at redis://default:***@127.0.0.1:${guarded.port}: WRONGPASS invalid username-password pair or user is disabled.\n`,
      );
      expect(exit.stdout).toContain("WRONGPASS");
      expect(exit.stdout + exit.stderr).not.toContain("secret-guess");
    } finally {
      await guarded.stop();
    }
  }, SLOW_TEST_MS);

  it("refuses to start when Redis cannot be reached", async () => {
    await cluster.redis.stop();
    const exit = await CliProcess.run(["--port", "0", "--redis", cluster.redis.url, "--database", "none"]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(`chat-server: cannot reach Redis at ${cluster.redis.url}: connect ECONNREFUSED 127.0.0.1:${cluster.redis.port}\n`);
  }, 15_000);
});

/* Needs no redis-server: nothing listens where these point. */
describe("the password in a Redis URL", () => {
  it("is printed nowhere when Redis cannot be reached at start; the host is", async () => {
    const port = await freePort();
    const exit = await CliProcess.run(["--port", "0", "--redis", `redis://user:secret@127.0.0.1:${port}`, "--log-level", "debug", "--database", "none"]);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe(`chat-server: cannot reach Redis at redis://user:***@127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    expect(exit.stdout).toContain(`127.0.0.1:${port}`);
    expect(exit.stdout + exit.stderr).not.toContain("secret");
  });

  it.each([
    ["a bad port", "redis://user:secret@127.0.0.1:port", "redis://***@127.0.0.1:port"],
    ["a password parameter", "http://127.0.0.1:6379?password=secret", "http://127.0.0.1:6379/?password=***"],
  ])("is printed nowhere when the URL is refused (%s)", async (_, url, shown) => {
    const exit = await CliProcess.run(["--port", "0", "--redis", url]);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toBe(`chat-server: --redis must be a URL redis://[user:password@]host[:port][/db], got "${shown}"\n`);
    expect(exit.stdout + exit.stderr).not.toContain("secret");
  });
});

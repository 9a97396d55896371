import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { CliProcess } from "../support/cli-process";
import { ClientProcess } from "../support/client-process";
import { TcpProxy } from "../support/tcp-proxy";
import { RedisServer } from "../../src/testing/redis-server";
import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { askToken, numbered, readThrough, sendNumbered } from "../support/numbered";
import { TcpClient } from "../support/tcp-client";
import { ULID } from "../support/ulid";

/* Resumable sessions on a cluster of real server processes and a real redis-server (see the cluster fixture). */

const SLOW_TEST_MS = 15_000;
const PREFIX = "chat:";

/** The first entry of `kind` on the bus, waiting for it (at most 5 s): its id and fields. */
async function busEntry(redis: Redis, kind: string): Promise<{ id: string; fields: Record<string, string> }> {
  for (let after = "0"; ; ) {
    const read = await redis.xread("BLOCK", 5000, "STREAMS", `${PREFIX}bus`, after);
    if (read === null) throw new Error(`no ${kind} entry on the bus within 5 s`);
    for (const [id, list] of read[0]![1]) {
      after = id;
      const fields = Object.fromEntries(Array.from({ length: list.length / 2 }, (_, i) => [list[2 * i]!, list[2 * i + 1]!]));
      if (fields.k === kind) return { id, fields };
    }
  }
}

/** A process token of a node that does not run: the other side of a move, played by the test on the bus. */
const ABSENT = "0123456789abcdef";

describeCluster("resumable sessions and history on a cluster", () => {
  // A short lease: a node restarted under its id waits for its claim to run out.
  const cluster = clusterPerTest("2");

  /** Resets the client's connection and waits until its node has seen it. */
  async function drop(client: TcpClient, node: CliProcess): Promise<void> {
    client.reset();
    await node.waitForLog("connection dropped, resumable");
  }

  describe("resumable sessions", () => {
    const { start } = cluster;

    it("resumes on another node: every line once and in order, from both nodes, and nobody sees a departure", async () => {
      const [a, b] = await Promise.all([start("a"), start("b")]);
      const alice = await TcpClient.login(a.port, "alice");
      const token = await askToken(alice);
      const carol = await TcpClient.login(a.port, "carol"); // on alice's node
      const bob = await TcpClient.login(b.port, "bob"); // on the node she resumes on
      await Promise.all([sendNumbered(carol, 1, 100), sendNumbered(bob, 1, 100)]);
      const before = await alice.readLines(50);
      alice.reset();
      await Promise.all([sendNumbered(carol, 101, 200), sendNumbered(bob, 101, 200)]);
      await a.node.waitForLog("connection dropped, resumable");
      const received = alice.receivedCount - 2; // after OK and TOKEN
      before.push(...(await alice.readLines(received - 50)));

      const again = await TcpClient.connect(b.port);
      // Both keep sending while the session moves.
      const sending = Promise.all([sendNumbered(carol, 201, 300), sendNumbered(bob, 201, 300)]);
      again.send(`RESUME ${token} ${received}`);
      expect(await again.readLine()).toMatch(/^RESUMED alice \S+$/);
      await sending;
      carol.send("MSG end");
      bob.send("MSG end");
      const lines = [...(await readThrough(again, "MSG carol end"))];
      if (!lines.includes("MSG bob end")) lines.push(...(await readThrough(again, "MSG bob end")));
      const everything = [...before, ...lines];
      for (const sender of ["carol", "bob"]) {
        expect(everything.filter((line) => line.startsWith(`MSG ${sender} `))).toEqual([...numbered(sender, 1, 300), `MSG ${sender} end`]);
      }
      expect(everything.filter((line) => !line.startsWith("MSG "))).toEqual([]);

      // She is alice on b now: DMs from a reach her there, WHO lists her once, and nobody saw her leave.
      carol.send("DM alice from a");
      expect(await again.readLine()).toBe("DM carol from a");
      again.send("MSG hello from b");
      expect(await readThrough(carol, "MSG alice hello from b")).toEqual([...numbered("bob", 1, 300), "MSG bob end", "MSG alice hello from b"].filter((line) => !line.startsWith("MSG carol")));
      bob.send("WHO");
      expect((await readThrough(bob, "END WHO")).filter((line) => !line.startsWith("MSG "))).toEqual(["USER alice", "USER carol", "USER bob", "END WHO"]);

      // And when she quits there, everyone is told once, and the name is free on every node.
      again.send("QUIT");
      expect(await again.readUntilClosed()).toEqual(["INFO bye"]);
      expect(await carol.readLine()).toBe("INFO alice disconnected");
      const newcomer = await TcpClient.connect(a.port);
      newcomer.send("LOGIN alice");
      expect(await newcomer.readLine()).toBe("OK");
    }, SLOW_TEST_MS);

    it("holds a user to --max-rooms-per-user on whichever node the session moves to", async () => {
      const args = ["--plugins", "login,msg,who,dm,ping,quit,resume,rooms", "--max-rooms-per-user", "2"];
      const [a, b] = await Promise.all([start("a", ...args), start("b", ...args)]);
      const alice = await TcpClient.login(a.port, "alice");
      const token = await askToken(alice);
      await alice.write("JOIN #one\nJOIN #two\nJOIN #three\n");
      expect(await alice.readLines(3)).toEqual(["OK", "OK", "ERR too-many-rooms #three"]);
      await drop(alice, a.node);
      const again = await TcpClient.resume(b.port, token, 3);
      expect(await again.readLine()).toMatch(/^RESUMED alice \S+$/);
      await again.write("JOIN #three\nPART #one\nJOIN #three\n");
      expect(await again.readLines(3)).toEqual(["ERR too-many-rooms #three", "OK", "OK"]);
    }, SLOW_TEST_MS);

    it("refuses the token on another node once the grace is over; the departure was told once", async () => {
      const [a, b] = await Promise.all([start("a", "--resume-grace", "0.3"), start("b")]);
      const alice = await TcpClient.login(a.port, "alice");
      const token = await askToken(alice);
      const bob = await TcpClient.login(b.port, "bob");
      await drop(alice, a.node);
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      const late = await TcpClient.resume(b.port, token, 0);
      expect(await late.readLine()).toBe("ERR resume-refused unknown-token");
      late.send("LOGIN alice");
      expect(await late.readLine()).toBe("OK");
      bob.send("PING");
      expect(await bob.readLine()).toBe("PONG");
    }, SLOW_TEST_MS);

    it("refuses a gap larger than the holder kept, from another node: the session ends, told once, and the name is free", async () => {
      const [a, b] = await Promise.all([start("a", "--resume-buffer", "1024"), start("b")]);
      const alice = await TcpClient.login(a.port, "alice");
      const token = await askToken(alice);
      const bob = await TcpClient.login(b.port, "bob");
      await drop(alice, a.node);
      await sendNumbered(bob, 1, 100);
      const again = await TcpClient.resume(b.port, token, 0);
      expect(await again.readLine()).toBe("ERR resume-refused gap-too-large");
      again.send("LOGIN alice");
      expect(await again.readLine()).toBe("OK");
      bob.send("PING");
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      expect(await bob.readLine()).toBe("PONG");
    }, SLOW_TEST_MS);

    it("resumes one of two connections racing with one token on two nodes", async () => {
      const [a, b] = await Promise.all([start("a"), start("b")]);
      const alice = await TcpClient.login(a.port, "alice");
      const token = await askToken(alice);
      await drop(alice, a.node);
      const [here, there] = await Promise.all([TcpClient.connect(a.port), TcpClient.connect(b.port)]);
      there.send(`RESUME ${token} 0`);
      here.send(`RESUME ${token} 0`);
      const replies = [await here.readLine(), await there.readLine()];
      expect(replies.filter((reply) => reply.startsWith("RESUMED alice "))).toHaveLength(1);
      expect(replies.filter((reply) => reply === "ERR resume-refused unknown-token")).toHaveLength(1);
    }, SLOW_TEST_MS);

    it("refuses with unavailable when the node holding the session is gone, and announces the departure once its lease runs out", async () => {
      const [a, b] = await Promise.all([start("a"), start("b")]);
      const alice = await TcpClient.login(a.port, "alice");
      const token = await askToken(alice);
      const bob = await TcpClient.login(b.port, "bob");
      a.node.kill("SIGKILL");
      const again = await TcpClient.resume(b.port, token, 0);
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      expect(await again.readLine()).toBe("ERR resume-refused unavailable");
    }, SLOW_TEST_MS);
  });

  describe("moves, with the other node played by the test on the bus", () => {
    const { start } = cluster;
    let bus: Redis;
    beforeEach(() => {
      bus = new Redis(cluster.redis.url);
    });
    afterEach(() => bus.disconnect());

    /** A RESUME at the node on `port` for a session held by ABSENT: the request it put on the bus. */
    async function requestFrom(port: number): Promise<{ client: TcpClient; entry: string; id: string; from: string }> {
      await bus.set(`${PREFIX}process:${ABSENT}`, "a"); // as if alive
      const client = await TcpClient.resume(port, `${"A".repeat(24)}.${ABSENT}`, 0);
      const { id, fields } = await busEntry(bus, "R");
      const request = JSON.parse(fields.l!) as { id: string; from: string };
      return { client, entry: id, id: request.id, from: request.from };
    }

    it("refuses at once a token whose process is not alive, without asking anyone", async () => {
      const { port } = await start("b");
      await bus.set(`${PREFIX}epoch`, "0"); // a Redis that has kept its data for long: a live process would have its key
      const client = await TcpClient.resume(port, `${"A".repeat(24)}.${ABSENT}`, 0);
      expect(await client.readLine()).toBe("ERR resume-refused unknown-token");
      expect(await bus.xlen(`${PREFIX}bus`)).toBe(0);
    }, SLOW_TEST_MS);

    it("tells a departure read with the answer once, to the session that moved (review of #13: it was told twice)", async () => {
      const { port } = await start("b");
      const { client, entry, id, from } = await requestFrom(port);
      const answer = { id, after: entry, username: "alice", seq: 1, groups: [], replay: { items: [], skip: 0, lines: 0 } };
      await bus
        .multi()
        .xadd(`${PREFIX}bus`, "*", "o", "", "k", "D", "t", "carol", "l", "")
        .xadd(`${PREFIX}bus`, "*", "o", ABSENT, "k", "A", "t", from, "l", JSON.stringify(answer))
        .exec();
      expect(await client.readLine()).toMatch(/^RESUMED alice /);
      client.send("PING");
      expect(await readThrough(client, "PONG")).toEqual(["INFO carol disconnected", "PONG"]);
    }, SLOW_TEST_MS);

    it("gives the departure read with a request to the session given up (review of #13: it was lost)", async () => {
      const { node, port } = await start("a");
      const alice = await TcpClient.login(port, "alice");
      const token = await askToken(alice);
      await drop(alice, node);
      await bus.set(`${PREFIX}node:b`, "fedcba9876543210"); // the asking node is alive
      const request = { id: "r1", token, point: { received: 0 }, protocol: "line", node: "b", from: "fedcba9876543210" };
      await bus
        .multi()
        .xadd(`${PREFIX}bus`, "*", "o", "", "k", "D", "t", "carol", "l", "")
        .xadd(`${PREFIX}bus`, "*", "o", request.from, "k", "R", "t", token.split(".")[1]!, "l", JSON.stringify(request))
        .exec();
      const answer = JSON.parse((await busEntry(bus, "A")).fields.l!) as { username: string; replay: unknown };
      // What the session missed, its events as the core keeps them (bus format 2): carol's departure, stamped here.
      expect(answer).toMatchObject({
        username: "alice",
        replay: {
          items: [{ type: "departure", id: expect.stringMatching(ULID), at: expect.any(Number), users: [{ username: "carol", reason: "left" }] }],
          skip: 0,
          lines: 1,
        },
      });
      expect(await bus.get(`${PREFIX}name:alice`)).toBe("b");
    }, SLOW_TEST_MS);

    it("keeps the session, resumable, when the asking node is gone before it could move (review of #13: the name was held forever)", async () => {
      const { node, port } = await start("a");
      const alice = await TcpClient.login(port, "alice");
      const token = await askToken(alice);
      const bob = await TcpClient.login(port, "bob");
      await drop(alice, node);
      const request = { id: "r1", token, point: { received: 0 }, protocol: "line", node: "b", from: "fedcba9876543210" }; // no node b
      await bus.xadd(`${PREFIX}bus`, "*", "o", request.from, "k", "R", "t", token.split(".")[1]!, "l", JSON.stringify(request));
      await node.waitForLog("a session resumed on another node could not be moved there: it stays here");
      expect(await bus.get(`${PREFIX}name:alice`)).toBe("a");
      bob.send("MSG while she is away");
      const again = await TcpClient.resume(port, token, 0);
      expect(await again.readLine()).toMatch(/^RESUMED alice /);
      expect(await again.readLine()).toBe("MSG bob while she is away");
      bob.send("PING");
      expect(await bob.readLine()).toBe("PONG"); // nobody was told she left
    }, SLOW_TEST_MS);

    it("frees a name whose answer came after it gave up, and tells its own users too (review of #13: they were not)", async () => {
      const { port } = await start("b");
      const bob = await TcpClient.login(port, "bob");
      const { client, entry, from } = await requestFrom(port);
      // What the holder's script would have done, then its answer, to a request the node is not
      // waiting for (one it gave up on: that client is told unavailable when its wait runs out).
      await bus.set(`${PREFIX}name:alice`, "b");
      await bus.zadd(`${PREFIX}logins`, 99, "alice");
      await bus.sadd(`${PREFIX}node-users:b`, "alice");
      const answer = { id: "given-up-on", after: entry, username: "alice", seq: 99, groups: [], replay: { items: [], skip: 0, lines: 0 } };
      await bus.xadd(`${PREFIX}bus`, "*", "o", ABSENT, "k", "A", "t", from, "l", JSON.stringify(answer));
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      bob.send("WHO");
      expect(await readThrough(bob, "END WHO")).toEqual(["USER bob", "END WHO"]);
      expect(await bus.get(`${PREFIX}name:alice`)).toBeNull();
      expect(await client.readLine()).toBe("ERR resume-refused unavailable");
    }, SLOW_TEST_MS);
  });

  it("lets chat-client log in afresh once the node that held its session died (review of #13: it exited)", async () => {
    const [a, b] = await Promise.all([cluster.start("a", "--redis-lease", "3"), cluster.start("b", "--redis-lease", "3")]);
    const proxy = await TcpProxy.start(a.port);
    const client = new ClientProcess(["--host", "127.0.0.1", "--port", String(proxy.port), "--user", "alice"]);
    try {
      await client.waitFor(`connected to 127.0.0.1:${proxy.port} as alice; /help for commands`);
      await a.node.waitForLog("resumable");
      const bob = await TcpClient.login(b.port, "bob");
      bob.send("MSG token first"); // once shown, the TOKEN line before it has arrived
      await client.waitFor("bob: token first");
      a.node.kill("SIGKILL");
      proxy.retarget(b.port); // the balancer sends it to the node still up
      await client.waitFor("* reconnected as alice; what was said meanwhile was missed", 20_000);
      client.type("back");
      expect(await readThrough(bob, "MSG alice back")).toEqual(["INFO alice disconnected", "MSG alice back"]);
    } finally {
      client.kill();
      await proxy.close();
    }
  }, 30_000);

  it("does not refuse as unknown-token a session its live node holds, when Redis has just lost its data (found in review)", async () => {
    const [a, b] = await Promise.all([cluster.start("a", "--redis-lease", "3"), cluster.start("b", "--redis-lease", "3")]);
    const alice = await TcpClient.login(a.port, "alice");
    const token = await askToken(alice);
    await drop(alice, a.node);
    const admin = new Redis(cluster.redis.url);
    await admin.flushall(); // what a Redis restarted without its data looks like until the nodes notice
    admin.disconnect();
    const first = await TcpClient.resume(b.port, token, 0);
    expect(await first.readLine()).not.toBe("ERR resume-refused unknown-token");
    // Node a was alive all along and still holds the session: once it is back in the cluster, the token resumes.
    await a.node.waitForLog("back in the cluster");
    await b.node.waitForLog("back in the cluster");
    const second = await TcpClient.resume(b.port, token, 0);
    expect(await second.readLine()).toMatch(/^RESUMED alice /);
  }, 20_000);

  describe("the history plugin", () => {
    const PLUGINS = ["--plugins", "login,msg,who,dm,ping,quit,history"];
    const start = (name: string) => cluster.start(name, ...PLUGINS);

    /** Logs in and returns the history replayed after OK. */
    async function historyAt(port: number, username: string): Promise<string[]> {
      const client = await TcpClient.login(port, username);
      return readThrough(client, "END HISTORY");
    }

    it("replays the same lines on every node, DMs never among them, and on a node restarted too", async () => {
      const [a, b, c] = await Promise.all([start("a"), start("b"), start("c")]);
      const ann = await TcpClient.login(a.port, "ann");
      expect(await readThrough(ann, "END HISTORY")).toEqual(["END HISTORY"]);
      const ben = await TcpClient.login(b.port, "ben");
      await readThrough(ben, "END HISTORY");
      ann.send("MSG one from a");
      expect(await ben.readLine()).toBe("MSG ann one from a");
      ben.send("DM ann a secret");
      expect(await ann.readLine()).toBe("DM ben a secret");
      ben.send("MSG two from b");
      expect(await ann.readLine()).toBe("MSG ben two from b");

      const expected = ["HISTORY ann one from a", "HISTORY ben two from b", "END HISTORY"];
      expect(await historyAt(a.port, "x1")).toEqual(expected);
      expect(await historyAt(b.port, "x2")).toEqual(expected);
      expect(await historyAt(c.port, "x3")).toEqual(expected);

      // A node killed and started again under its id replays them too.
      c.node.kill("SIGKILL");
      cluster.nodes.splice(cluster.nodes.indexOf(c.node), 1);
      const again = await start("c");
      expect(await historyAt(again.port, "x4")).toEqual(expected);
    }, SLOW_TEST_MS);

    it("keeps the history across a Redis restart when Redis keeps its data (append-only file)", async () => {
      await cluster.redis.stop();
      const directory = mkdtempSync(join(tmpdir(), "chat-redis-"));
      cluster.redis = await RedisServer.start({ dataDirectory: directory });
      try {
        const { node, port } = await start("a");
        const ann = await TcpClient.login(port, "ann");
        await readThrough(ann, "END HISTORY");
        const ben = await TcpClient.login(port, "ben");
        await readThrough(ben, "END HISTORY");
        ann.send("MSG said before the restart");
        expect(await ben.readLine()).toBe("MSG ann said before the restart");
        expect(await historyAt(port, "x0")).toEqual(["HISTORY ann said before the restart", "END HISTORY"]); // it is in Redis
        await cluster.redis.restart();
        await node.waitForLog("back in the cluster");
        expect(await historyAt(port, "x1")).toEqual(["HISTORY ann said before the restart", "END HISTORY"]);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    }, SLOW_TEST_MS);
  });
});

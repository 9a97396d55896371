import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliProcess } from "../support/cli-process";
import { RedisServer, redisServerInstalled } from "../../src/testing/redis-server";
import { askToken, numbered, readThrough, sendNumbered } from "../support/numbered";
import { TcpClient } from "../support/tcp-client";

/* Resumable sessions on a cluster of real server processes and a real redis-server (see cluster.test.ts). */
const describeCluster = redisServerInstalled || process.env.CI === "true" ? describe : describe.skip;

const SLOW_TEST_MS = 15_000;

/** A node on `redis`, with a short lease (a node restarted under its id waits for its claim to run out), kept in `nodes`. */
async function startNode(redis: RedisServer, nodes: CliProcess[], name: string, ...args: string[]): Promise<{ node: CliProcess; port: number }> {
  const node = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", "--redis", redis.url, "--redis-lease", "2", "--node-id", name, "--rate-limit", "0", ...args]);
  nodes.push(node);
  return { node, port: await node.port("tcp") };
}

describeCluster("resumable sessions and history on a cluster", () => {
  let redis: RedisServer;
  const nodes: CliProcess[] = [];

  beforeEach(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    TcpClient.closeAll();
    nodes.splice(0).forEach((node) => node.kill("SIGKILL"));
    await redis.stop();
  });

  describe("resumable sessions", () => {
    const start = (name: string, ...args: string[]) => startNode(redis, nodes, name, ...args);

    /** Resets the client's connection and waits until its node has seen it. */
    async function drop(client: TcpClient, node: CliProcess): Promise<void> {
      client.reset();
      await node.waitForLog("connection dropped, resumable");
    }

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

    it("refuses the token on another node once the grace is over; the departure was told once", async () => {
      const [a, b] = await Promise.all([start("a", "--resume-grace", "0.3"), start("b")]);
      const alice = await TcpClient.login(a.port, "alice");
      const token = await askToken(alice);
      const bob = await TcpClient.login(b.port, "bob");
      await drop(alice, a.node);
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      const late = await TcpClient.connect(b.port);
      late.send(`RESUME ${token} 0`);
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
      const again = await TcpClient.connect(b.port);
      again.send(`RESUME ${token} 0`);
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
      const again = await TcpClient.connect(b.port);
      again.send(`RESUME ${token} 0`);
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      expect(await again.readLine()).toBe("ERR resume-refused unavailable");
    }, SLOW_TEST_MS);
  });

  describe("the history plugin", () => {
    const PLUGINS = ["--plugins", "login,msg,who,dm,ping,quit,history"];
    const start = (name: string) => startNode(redis, nodes, name, ...PLUGINS);

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
      nodes.splice(nodes.indexOf(c.node), 1);
      const again = await start("c");
      expect(await historyAt(again.port, "x4")).toEqual(expected);
    }, SLOW_TEST_MS);

    it("keeps the history across a Redis restart when Redis keeps its data (append-only file)", async () => {
      await redis.stop();
      const directory = mkdtempSync(join(tmpdir(), "chat-redis-"));
      redis = await RedisServer.start({ dataDirectory: directory });
      try {
        const { node, port } = await start("a");
        const ann = await TcpClient.login(port, "ann");
        await readThrough(ann, "END HISTORY");
        const ben = await TcpClient.login(port, "ben");
        await readThrough(ben, "END HISTORY");
        ann.send("MSG said before the restart");
        expect(await ben.readLine()).toBe("MSG ann said before the restart");
        expect(await historyAt(port, "x0")).toEqual(["HISTORY ann said before the restart", "END HISTORY"]); // it is in Redis
        await redis.restart();
        await node.waitForLog("back in the cluster");
        expect(await historyAt(port, "x1")).toEqual(["HISTORY ann said before the restart", "END HISTORY"]);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    }, SLOW_TEST_MS);
  });
});

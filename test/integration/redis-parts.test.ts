import { SystemClock } from "../../src/adapters/clock/system-clock";
import { checkFormat, ClusterFormatError } from "../../src/adapters/redis/cluster-format";
import { ClusterPresence, type PresenceHost } from "../../src/adapters/redis/cluster-presence";
import { ClusterStream, type StreamEntry } from "../../src/adapters/redis/cluster-stream";
import { RedisLists } from "../../src/adapters/redis/redis-lists";
import { RedisProfiles } from "../../src/adapters/redis/redis-profiles";
import { Outgoing } from "../../src/core/events";
import type { ScriptedRedis } from "../../src/adapters/redis/scripts";
import { RecordingLogger } from "../../src/testing/recording-logger";
import { describeRedis, redisPerTest } from "../support/redis-fixture";

/*
 * The Redis adapter's parts, each alone against a real redis-server (see
 * cluster.test.ts and cluster-resume.test.ts for whole servers).
 */

const PREFIX = "chat:";

describeRedis("the Redis adapter's parts", () => {
  const { connect, first: firstConnection } = redisPerTest();

  describe("ClusterStream", () => {
    function stream(origin: string, turnBytes = 1 << 20): ClusterStream {
      const options = { key: `${PREFIX}bus`, maxlen: "1000", turnBytes, origin, clock: new SystemClock() };
      return new ClusterStream(connect(), connect(), options, new RecordingLogger(), (error) => ({ message: String(error) }));
    }

    /** Reads until `count` entries came; the runs they came in (flush ends one). */
    async function readEntries(reader: ClusterStream, count: number): Promise<StreamEntry[][]> {
      const runs: StreamEntry[][] = [[]];
      let taken = 0;
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      void reader.read(() => taken < count, {
        take(entry) {
          runs.at(-1)!.push(entry);
          if (++taken === count) done();
          return entry.payload.byteLength;
        },
        flush() {
          if (runs.at(-1)!.length > 0) runs.push([]);
        },
      });
      await finished;
      return runs.filter((run) => run.length > 0);
    }

    it("hands on the other processes' entries in the order written, once, and skips its own", async () => {
      const a = stream("a");
      const b = stream("b");
      await Promise.all([a.start(), b.start()]);
      for (let i = 0; i < 5; i++) {
        a.publish("B", "", `a${i}`);
        b.publish("B", "", `b${i}`);
      }
      const runs = await readEntries(b, 5);
      expect(runs.flat().map((entry) => [entry.origin, entry.kind, entry.payload.toString()])).toEqual(
        [0, 1, 2, 3, 4].map((i) => ["a", "B", `a${i}`]),
      );
    });

    it("reads what was written before it started only from where it started", async () => {
      const a = stream("a");
      await a.start();
      a.publish("B", "", "before");
      await firstConnection().ping(); // a's writer answers in order: "before" is written
      const b = stream("b");
      await b.start();
      a.publish("B", "", "after");
      expect((await readEntries(b, 1)).flat().map((entry) => entry.payload.toString())).toEqual(["after"]);
    });

    it("hands on a batch a turn's worth of bytes at a time", async () => {
      const a = stream("a");
      const b = stream("b", 250);
      await Promise.all([a.start(), b.start()]);
      for (let i = 0; i < 10; i++) a.publish("B", "", "x".repeat(100));
      const runs = await readEntries(b, 10);
      expect(runs.map((run) => run.length)).toEqual([3, 3, 3, 1]);
    });
  });

  describe("ClusterPresence", () => {
    async function presence(
      nodeId: string,
      call: PresenceHost["call"] = (command) => command(),
    ): Promise<{ presence: ClusterPresence; lost: string[]; connection: ScriptedRedis }> {
      const connection = connect();
      const token = `${nodeId}-token`;
      await connection.set(`${PREFIX}node:${nodeId}`, token);
      const lost: string[] = [];
      const host: PresenceHost = {
        redis: connection,
        prefix: PREFIX,
        nodeId,
        maxlen: "1000",
        token,
        acting: () => true,
        stopped: false,
        call,
        lost: (why) => void lost.push(why),
      };
      return { presence: new ClusterPresence(host), lost, connection };
    }

    it("gives a name to exactly one of many nodes claiming it at once, ignoring case, and frees it with a departure", async () => {
      const nodes = await Promise.all(["a", "b", "c", "d"].map((id) => presence(id)));
      const won = await Promise.all(nodes.map(({ presence }, i) => presence.claim(i % 2 === 0 ? "Alice" : "alice")));
      expect(won.filter(Boolean)).toHaveLength(1);
      const { presence: winner, connection } = nodes[won.indexOf(true)]!;
      expect(await winner.list()).toEqual([won.indexOf(true) % 2 === 0 ? "Alice" : "alice"]);
      winner.release(winner === nodes[0]!.presence ? "Alice" : "alice");
      await connection.ping(); // its connection answers in order: the release is done
      const [[, fields]] = (await connection.xrange(`${PREFIX}bus`, "-", "+")) as [string, string[]][];
      expect(fields.slice(2, 4)).toEqual(["k", "D"]);
      expect(await nodes[1]!.presence.claim("ALICE")).toBe(true);
    });

    it("refuses, and says the node is out, when this process no longer holds its node's claim", async () => {
      const { presence: node, lost } = await presence("a");
      await firstConnection().set(`${PREFIX}node:a`, "another process");
      await expect(node.claim("bob")).rejects.toThrow("cannot be reached");
      expect(lost).toEqual(["this node's claim on its id lapsed"]);
    });

    it("goes out of the cluster when a rename's reply is lost, so that the rejoin puts back the name its user still goes by (review of #20)", async () => {
      // The script runs; its reply never comes (a timeout): whether the name moved is not known here.
      let replyLost = false;
      const { presence: a, lost } = await presence("a", async (command) => {
        const result = await command();
        if (!replyLost) return result;
        throw new Error("the reply was lost");
      });
      expect(await a.claim("ann")).toBe(true);
      replyLost = true;
      const announcement = new Outgoing({ id: "01J00000000000000000000000", at: 0, type: "renamed", user: "ann", name: "anna" });
      await expect(a.rename("ann", "anna", announcement)).rejects.toThrow("the reply was lost");
      expect(lost).toEqual(["a rename's reply was lost: whether the name moved is not known"]);
      // The rejoin claims "ann" again (the script had freed it) and frees "anna" (claimed for nobody here).
      replyLost = false;
      await a.reclaim(() => undefined);
      await a.releaseWaiting();
      expect(await a.list()).toEqual(["ann"]);
      expect(a.holds("ann")).toBe(true);
    });

    it("puts its names back when it rejoins, and tells which another node took meanwhile", async () => {
      const { presence: a } = await presence("a");
      const { presence: b } = await presence("b");
      expect(await a.claim("ann")).toBe(true);
      expect(await a.claim("amy")).toBe(true);
      // Redis lost everything (restarted empty); b took "amy" meanwhile.
      await firstConnection().flushall();
      await firstConnection().set(`${PREFIX}node:a`, "a-token");
      await firstConnection().set(`${PREFIX}node:b`, "b-token");
      expect(await b.claim("amy")).toBe(true);
      const taken: string[] = [];
      await a.reclaim((name) => taken.push(name));
      expect(taken).toEqual(["amy"]);
      expect([...(await a.list())].sort()).toEqual(["amy", "ann"]);
      expect(a.holds("ann")).toBe(true);
      expect(a.holds("amy")).toBe(false);
    });
  });

  describe("the registry's scripts", () => {
    it("free a name moved to a node as that node leaves, with its departure (review of #13: it was held forever)", async () => {
      const redis = connect();
      await redis.set(`${PREFIX}node:a`, "token-a");
      await redis.set(`${PREFIX}node:b`, "token-b");
      expect(await redis.chatClaim(PREFIX, "a", "token-a", "alice", "login", 0)).toBeGreaterThan(0);
      expect(await redis.chatHandOver(PREFIX, "a", "token-a", "alice", "b", "1000", "process-b", "{}")).toBe(1);
      expect(await redis.get(`${PREFIX}name:alice`)).toBe("b");
      expect(await redis.chatLeaveNode(PREFIX, "b", "token-b", "1000")).toBe(1);
      expect(await redis.get(`${PREFIX}name:alice`)).toBeNull();
      const kinds = (await redis.xrange(`${PREFIX}bus`, "-", "+")).map(([, fields]) => `${fields[3]} ${fields[5]}`);
      expect(kinds).toEqual(["A process-b", "D alice"]);
    });

    it("rename a user in one step: the new name in the old one's place in the login order, its rooms and profile, the event on the bus", async () => {
      const redis = connect();
      await redis.set(`${PREFIX}node:a`, "token-a");
      await redis.set(`${PREFIX}node:b`, "token-b");
      for (const [node, name] of [["a", "alice"], ["a", "bob"], ["b", "carol"]] as const) {
        expect(await redis.chatClaim(PREFIX, node, `token-${node}`, name, "login", 0)).toBeGreaterThan(0);
      }
      expect(await redis.chatJoinGroup(PREFIX, "#dev", "#dev", "alice")).toBe(1);
      await redis.hset(`${PREFIX}profiles`, "alice", '{"since":1}');
      expect(await redis.chatRename(PREFIX, "a", "token-a", "alice", "Alicia", "1000", '{"type":"renamed"}')).toBe(1);
      expect(await redis.zrange(`${PREFIX}logins`, 0, -1)).toEqual(["Alicia", "bob", "carol"]);
      expect([await redis.get(`${PREFIX}name:alice`), await redis.get(`${PREFIX}name:alicia`)]).toEqual([null, "a"]);
      expect(await redis.hmget(`${PREFIX}shown`, "alice", "alicia")).toEqual([null, "Alicia"]);
      expect(await redis.hmget(`${PREFIX}profiles`, "alice", "alicia")).toEqual([null, '{"since":1}']);
      expect((await redis.smembers(`${PREFIX}node-users:a`)).sort()).toEqual(["Alicia", "bob"]);
      expect(await redis.smembers(`${PREFIX}group:#dev`)).toEqual(["Alicia"]);
      expect([await redis.exists(`${PREFIX}user-groups:alice`), await redis.smembers(`${PREFIX}user-groups:alicia`)]).toEqual([0, ["#dev"]]);
      const [[, fields]] = (await redis.xrange(`${PREFIX}bus`, "-", "+")) as [string, string[]][];
      expect(fields).toEqual(["o", "token-a", "k", "B", "t", "", "l", '{"type":"renamed"}']);

      // Refused: a name another holds (any case), a name this node does not hold, a process without the node's claim.
      expect(await redis.chatRename(PREFIX, "a", "token-a", "bob", "CAROL", "1000", "{}")).toBe(0);
      expect(await redis.chatRename(PREFIX, "a", "token-a", "carol", "caz", "1000", "{}")).toBe(0);
      expect(await redis.chatRename(PREFIX, "a", "token-x", "bob", "bobby", "1000", "{}")).toBe(-1);
      expect(await redis.zrange(`${PREFIX}logins`, 0, -1)).toEqual(["Alicia", "bob", "carol"]);
      expect(await redis.xlen(`${PREFIX}bus`)).toBe(1);
    });

    it("free a name as the registry shows it: a release in the old letter case, after a rename to another, frees the new one and names it", async () => {
      const redis = connect();
      await redis.set(`${PREFIX}node:a`, "token-a");
      expect(await redis.chatClaim(PREFIX, "a", "token-a", "bob", "login", 0)).toBe(1);
      expect(await redis.chatJoinGroup(PREFIX, "#dev", "#dev", "bob")).toBe(1);
      expect(await redis.chatRename(PREFIX, "a", "token-a", "bob", "Bob", "1000", "{}")).toBe(1);
      // The node's user left under its old letter case while the rename was on its way.
      expect(await redis.chatRelease(PREFIX, "a", "token-a", "bob", "1000", "")).toBe(1);
      expect(await redis.zrange(`${PREFIX}logins`, 0, -1)).toEqual([]);
      expect(await redis.smembers(`${PREFIX}node-users:a`)).toEqual([]);
      expect(await redis.exists(`${PREFIX}group:#dev`)).toBe(0);
      const kinds = (await redis.xrange(`${PREFIX}bus`, "-", "+")).map(([, fields]) => `${fields[3]} ${fields[5]}`);
      expect(kinds).toEqual(["B ", "D Bob"]);
    });

    it("do not move a name to a node that is gone: nothing changes", async () => {
      const redis = connect();
      await redis.set(`${PREFIX}node:a`, "token-a");
      expect(await redis.chatClaim(PREFIX, "a", "token-a", "alice", "login", 0)).toBeGreaterThan(0);
      expect(await redis.chatHandOver(PREFIX, "a", "token-a", "alice", "b", "1000", "process-b", "{}")).toBe(2);
      expect(await redis.get(`${PREFIX}name:alice`)).toBe("a");
      expect(await redis.zrange(`${PREFIX}logins`, 0, -1)).toEqual(["alice"]);
      expect(await redis.xlen(`${PREFIX}bus`)).toBe(0);
    });
  });

  describe("the cluster's format (checkFormat, as a node joins or rejoins)", () => {
    it.each([
      ["of a later format", "6", "6"],
      ["of the versions that record none", null, "1"],
    ])("is refused, naming both formats, while nodes %s run; and left as it is", async (_, recorded, named) => {
      const redis = connect();
      await redis.sadd(`${PREFIX}nodes`, "x");
      await redis.set(`${PREFIX}node:x`, "token-x", "PX", 60_000);
      if (recorded !== null) await redis.set(`${PREFIX}format`, recorded);
      const refusal: unknown = await checkFormat(redis, PREFIX).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ClusterFormatError);
      expect((refusal as Error).message).toBe(
        `the cluster in Redis is of format ${named} and this node of format 5: nodes of different formats cannot run together. Stop all nodes, then start the new version`,
      );
      expect(await redis.get(`${PREFIX}format`)).toBe(recorded);
    });

    it.each([
      ["the versions that record none", null],
      ["another format", "2"],
    ])("is recorded as this node's where no node runs, whatever nodes of %s left (the bus, a list, a dead node's names)", async (_, recorded) => {
      const redis = connect();
      if (recorded !== null) await redis.set(`${PREFIX}format`, recorded);
      await redis.xadd(`${PREFIX}bus`, "*", "o", "token-x", "k", "B", "t", "", "l", "{}");
      await redis.rpush(`${PREFIX}list:history:messages`, "alice hello");
      await redis.sadd(`${PREFIX}nodes`, "x"); // its claim ran out: it was killed, a lease ago or more
      await redis.set(`${PREFIX}name:alice`, "x");
      await checkFormat(redis, PREFIX);
      expect(await redis.get(`${PREFIX}format`)).toBe("5");
    });
  });

  describe("RedisLists", () => {
    it("keeps the newest items of a list, in the order pushed, for every node to read", async () => {
      const logger = new RecordingLogger();
      const connections = [connect(), connect()];
      const lists = connections.map(
        (redis) => new RedisLists({ redis, prefix: PREFIX, call: (command) => command(), loggable: (error) => ({ message: String(error) }) }, logger),
      );
      for (let i = 0; i < 30; i++) lists[0]!.push("history:messages", `line ${i}`, 20);
      await connections[0]!.ping(); // one connection answers in order: the pushes are done
      expect(await lists[1]!.newest("history:messages", 3)).toEqual(["line 27", "line 28", "line 29"]);
      expect(await lists[1]!.newest("history:messages", 100)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 10}`));
      expect(await lists[0]!.newest("other", 5)).toEqual([]);
      expect(logger.find("an item could not be kept")).toEqual([]);
    });
  });

  describe("RedisProfiles", () => {
    /** A node's profiles on its own connection; `acting` says whether it acts for the cluster. */
    function node(redis: ScriptedRedis, acting: () => boolean): RedisProfiles {
      const host = { redis, prefix: PREFIX, call: <T>(command: () => Promise<T>) => command(), loggable: (error: unknown) => ({ message: String(error) }), acting };
      return new RedisProfiles(host, new RecordingLogger());
    }

    it("shows every node a user's profile; a departure here leaves Redis's copy to the scripts; a rejoin writes this node's users' again", async () => {
      const acting = { now: true };
      // One connection answers in order: a PING on a's says that its writes are done.
      const [ra, rb] = [connect(), connect()];
      const [a, b] = [node(ra, () => acting.now), node(rb, () => true)];
      const profile = { since: 1_700_000_000_000, secure: true, away: "lunch" };
      a.describe("Ivy", profile);
      a.describe("bob", { since: 1_700_000_000_001, secure: false });
      await ra.ping();
      expect(await b.profilesOf(["ivy", "nobody", "BOB"])).toEqual([profile, null, { since: 1_700_000_000_001, secure: false }]);

      // Leaving (or renaming) here does not delete Redis's copy: a node paused past its lease would delete the
      // profile of whoever holds the name by then. The script that frees the name deletes it.
      a.forget("bob");
      await ra.ping();
      expect(await b.profilesOf(["bob"])).toEqual([{ since: 1_700_000_000_001, secure: false }]);

      // A node that does not act for the cluster writes nothing; as it rejoins (before it acts again), it writes
      // its users' again (a reap deleted them), not those who left meanwhile.
      await rb.del(`${PREFIX}profiles`);
      acting.now = false;
      a.describe("Ivy", { ...profile, away: "dinner" });
      await ra.ping();
      expect(await b.profilesOf(["ivy"])).toEqual([null]);
      await a.restore();
      expect(await b.profilesOf(["ivy", "bob"])).toEqual([{ ...profile, away: "dinner" }, null]);
    });
  });
});

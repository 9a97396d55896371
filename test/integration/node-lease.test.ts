import { SystemClock } from "../../src/adapters/clock/system-clock";
import { NodeIdTakenError, NodeLease } from "../../src/adapters/redis/node-lease";
import { RecordingLogger } from "../../src/testing/recording-logger";
import { describeRedis, redisPerTest } from "../support/redis-fixture";

/*
 * A node's claim on its id, against a real redis-server (see cluster.test.ts
 * for the whole servers): two processes are two NodeLeases here.
 */

const LEASE_MS = 400;
const PREFIX = "chat:";

describeRedis("a node's claim on its id (NodeLease)", () => {
  const { connect, first: firstConnection } = redisPerTest();

  function lease(nodeId = "n", logger = new RecordingLogger()): NodeLease {
    return new NodeLease(connect(), { prefix: PREFIX, nodeId, leaseMs: LEASE_MS, maxlen: "1000", clock: new SystemClock() }, logger);
  }

  const holder = (): Promise<string | null> => firstConnection().get(`${PREFIX}node:n`);

  it("takes a free id at once, for a lease", async () => {
    const first = lease();
    await first.claim(() => false);
    expect(await holder()).toBe(first.token);
    expect(await firstConnection().pttl(`${PREFIX}node:n`)).toBeGreaterThan(LEASE_MS - 100);
    expect(first.current).toBe(true);
  });

  it("waits for a claim nobody renews (a run that died) to run out, then takes the id", async () => {
    const dead = lease();
    await dead.claim(() => false);
    const logger = new RecordingLogger();
    const restarted = lease("n", logger);
    const started = Date.now();
    await restarted.claim(() => false);
    expect(Date.now() - started).toBeLessThan(LEASE_MS + 300);
    expect(await holder()).toBe(restarted.token);
    expect(logger.find("this node's id is held in Redis, perhaps by a run of it that died: waiting for that claim to run out")).toHaveLength(1);
    expect(await dead.renew()).toBe("taken");
  });

  it("refuses an id whose claim is renewed, naming it, within a lease", async () => {
    const live = lease();
    await live.claim(() => false);
    const beating = setInterval(() => void live.renew(), LEASE_MS / 3);
    try {
      const started = Date.now();
      const second = lease();
      const refusal: unknown = await second.claim(() => false).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(NodeIdTakenError);
      expect((refusal as Error).message).toBe(
        'the node id "n" is in use: another server holds it in Redis, and its claim did not run out within the lease (0.4 s)',
      );
      expect(Date.now() - started).toBeLessThan(LEASE_MS + 300);
      expect(await holder()).toBe(live.token);
    } finally {
      clearInterval(beating);
    }
  });

  it("tells a claim that lapsed from one another process took, and lets only the holder change the registry", async () => {
    const paused = lease();
    await paused.claim(() => false);
    const names = firstConnection();
    expect(await names.chatClaim(PREFIX, "n", paused.token, "alice", "login", 0)).toBeGreaterThan(0);

    await names.del(`${PREFIX}node:n`); // as if its lease ran out while it was paused
    expect(await paused.renew()).toBe("lapsed");
    const taker = lease();
    await taker.claim(() => false);
    expect(await paused.renew()).toBe("taken");

    // The process that lost the id can neither take nor free names in the node's name ...
    expect(await names.chatClaim(PREFIX, "n", paused.token, "bob", "login", 0)).toBe(-1);
    expect(await names.chatRelease(PREFIX, "n", paused.token, "alice", "1000", "")).toBe(-1);
    expect(await names.get(`${PREFIX}name:alice`)).toBe("n");
    // ... nor give the id back; the holder can.
    await paused.leave();
    expect(await holder()).toBe(taker.token);
    await taker.leave();
    expect(await holder()).toBeNull();
  });
});

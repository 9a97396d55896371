import Redis from "ioredis";
import { withScripts, type ScriptedRedis } from "../../src/adapters/redis/scripts";
import { RedisServer, redisServerInstalled } from "../../src/testing/redis-server";

/*
 * Tests against a real redis-server. CI installs it (.ci/run); elsewhere
 * they are skipped, with a warning, when it is missing.
 */
if (!redisServerInstalled && process.env.CI !== "true") {
  console.warn("redis-server is not installed: the tests that need it are skipped (apt-get install redis-server)");
}
export const describeRedis = redisServerInstalled || process.env.CI === "true" ? describe : describe.skip;

/**
 * A redis-server of each test's own, started before it and stopped after
 * it, with the connections the test opened: `connect()` opens one, with
 * the registry's scripts; `first()` is the first one opened.
 */
export function redisPerTest(): { connect(): ScriptedRedis; first(): ScriptedRedis } {
  let redis: RedisServer;
  const connections: ScriptedRedis[] = [];
  beforeEach(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    connections.splice(0).forEach((connection) => connection.disconnect());
    await redis.stop();
  });
  return {
    connect() {
      const connection = withScripts(new Redis(redis.url));
      connections.push(connection);
      return connection;
    },
    first: () => connections[0]!,
  };
}

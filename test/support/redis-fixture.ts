import Redis from "ioredis";
import { withScripts, type ScriptedRedis } from "../../src/adapters/redis/scripts";
import { RedisServer } from "../../src/testing/redis-server";

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

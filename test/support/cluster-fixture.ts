import { RedisServer } from "../../src/testing/redis-server";
import { CliProcess } from "./cli-process";
import { describeRedis } from "./redis-fixture";
import { TcpClient } from "./tcp-client";

/** Real server processes sharing one real Redis: skipped, with a warning, where redis-server is missing (but in CI). */
export const describeCluster = describeRedis;

export interface ClusterFixture {
  /** This test's redis-server; a test may put another in its place (it is stopped after the test). */
  redis: RedisServer;
  /** The nodes started, in order; killed after each test. */
  readonly nodes: CliProcess[];
  /** Starts a node on the test's Redis, flood control off, without accounts unless `--database` is given, with the fixture's lease unless `--redis-lease` is given. */
  start(name: string, ...args: string[]): Promise<{ node: CliProcess; port: number }>;
}

/** A redis-server of each test's own and the nodes the test starts, all gone after it. */
export function clusterPerTest(leaseSeconds: string): ClusterFixture {
  const nodes: CliProcess[] = [];
  const fixture: ClusterFixture = {
    redis: undefined as unknown as RedisServer,
    nodes,
    async start(name, ...args) {
      const lease = args.includes("--redis-lease") ? [] : ["--redis-lease", leaseSeconds];
      const database = args.includes("--database") ? [] : ["--database", "none"];
      const node = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", "--redis", fixture.redis.url, ...lease, "--node-id", name, "--rate-limit", "0", ...database, ...args]);
      nodes.push(node);
      return { node, port: await node.port("tcp") };
    },
  };
  beforeEach(async () => {
    fixture.redis = await RedisServer.start();
  });
  afterEach(async () => {
    TcpClient.closeAll();
    nodes.splice(0).forEach((node) => node.kill("SIGKILL"));
    await fixture.redis.stop();
  });
  return fixture;
}

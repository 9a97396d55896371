/**
 * The test kit, `chat-server/testing`: the server over fakes, for plugin
 * authors and for this project's own tests.
 *
 *   const server = await startTestServer({ plugins: ["login", { name: "greet", plugin: greet }] });
 *   const alice = await server.login("alice");
 *   alice.send("GREET");
 *   await expectLines(alice, "hello alice");
 */
import "reflect-metadata";

export { FakeClock } from "./fake-clock";
export { FakeClient, InMemoryConnection, InMemoryTransport } from "./in-memory-transport";
export { RecordingLogger, type LogEntry } from "./recording-logger";
export { freePort, RedisServer, redisServerInstalled, type RedisServerOptions } from "./redis-server";
export {
  expectLines,
  linesOf,
  settle,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "./test-server";

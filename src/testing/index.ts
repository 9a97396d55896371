/**
 * The test kit, `chat-server/testing`: the server over fakes, for plugin
 * authors and for this project's own tests.
 *
 *   const server = await startTestServer({ plugins: ["login", myPlugin] });
 *   const alice = await server.login("alice");
 *   alice.send("ROLL 20");
 *   await expectLines(alice, "ROLLED 14 (d20)");
 */
import "reflect-metadata";

export { FakeClock } from "./fake-clock";
export { FakeClient, InMemoryConnection, InMemoryTransport } from "./in-memory-transport";
export { RecordingLogger, type LogEntry } from "./recording-logger";
export {
  expectLines,
  linesOf,
  settle,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from "./test-server";

import { build, DEFAULT_PLUGINS, type AdapterOverrides, type ChatApp } from "../composition-root";
import type { CoreSettings } from "../core/settings";
import type { PluginSpec } from "../plugin-loader";
import { FakeClock } from "./fake-clock";
import { FakeClient, InMemoryTransport } from "./in-memory-transport";
import { RecordingLogger } from "./recording-logger";

export interface TestServerOptions extends Partial<CoreSettings> {
  /** Plugin names or specs; the default plugins when omitted. */
  readonly plugins?: readonly (string | PluginSpec)[];
  /** Adapters to use instead of the in-process ones (the fakes are always used). */
  readonly adapters?: Pick<AdapterOverrides, "presence" | "delivery">;
}

/** A server over fakes: in-memory connections, a hand-driven clock, a recording logger. */
export interface TestServer {
  readonly app: ChatApp;
  readonly clock: FakeClock;
  readonly logger: RecordingLogger;
  readonly transport: InMemoryTransport;
  connect(remoteAddress?: string): FakeClient;
  /** Connects and logs in as `username`, expecting `OK` (what follows it is left to read). */
  login(username: string): Promise<FakeClient>;
}

/**
 * Lets pending work run to completion: promise callbacks (async commands)
 * and deferred turns (a connection that yielded after many lines).
 */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** Lines the client received once the server has settled, removing them. */
export async function linesOf(client: FakeClient): Promise<string[]> {
  await settle();
  return client.takeLines();
}

/**
 * Asserts, for any test framework, that the client received exactly these
 * lines since the last look (once the server has settled); throws an Error
 * showing both when not.
 */
export async function expectLines(client: FakeClient, ...expected: string[]): Promise<void> {
  const actual = await linesOf(client);
  if (actual.length !== expected.length || actual.some((line, i) => line !== expected[i])) {
    throw new Error(`expected the lines ${JSON.stringify(expected)}\n     but received ${JSON.stringify(actual)}`);
  }
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const transport = new InMemoryTransport();
  const { plugins = DEFAULT_PLUGINS, adapters, ...settings } = options;
  const app = await build(
    { ...settings, plugins: plugins.map((spec) => (typeof spec === "string" ? { name: spec } : spec)) },
    { ...adapters, clock, logger, transports: [transport] },
  );
  await app.start();
  return {
    app,
    clock,
    logger,
    transport,
    connect: (remoteAddress) => transport.connect(remoteAddress),
    async login(username) {
      const client = transport.connect();
      client.send(`LOGIN ${username}`);
      await settle();
      const [reply] = client.takeLines(1);
      if (reply !== "OK") throw new Error(`LOGIN ${username} answered ${JSON.stringify(reply)}`);
      return client;
    },
  };
}

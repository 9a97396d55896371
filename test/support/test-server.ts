import { build, DEFAULT_PLUGINS, type ChatApp } from "../../src/composition-root";
import type { PluginSpec } from "../../src/plugin-catalogue";
import { FakeClock } from "../fakes/fake-clock";
import { FakeClient, InMemoryTransport } from "../fakes/in-memory-transport";
import { RecordingLogger } from "../fakes/recording-logger";

export interface TestServerOptions {
  /** Plugin names or specs; the default plugins when omitted. */
  readonly plugins?: readonly (string | PluginSpec)[];
  readonly idleTimeoutMs?: number;
  readonly maxLineBytes?: number;
}

/** A server over fakes: in-memory connections, a hand-driven clock, a recording logger. */
export interface TestServer {
  readonly app: ChatApp;
  readonly clock: FakeClock;
  readonly logger: RecordingLogger;
  readonly transport: InMemoryTransport;
  connect(remoteAddress?: string): FakeClient;
  /** Connects and logs in as `username`, expecting `OK`. */
  login(username: string): Promise<FakeClient>;
}

/** Lets pending promise callbacks (async commands) run to completion. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Lines the client received once the server has settled, removing them. */
export async function linesOf(client: FakeClient): Promise<string[]> {
  await settle();
  return client.takeLines();
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const transport = new InMemoryTransport();
  const plugins = (options.plugins ?? DEFAULT_PLUGINS).map((spec) => (typeof spec === "string" ? { name: spec } : spec));
  const app = build(
    {
      plugins,
      ...(options.idleTimeoutMs !== undefined && { idleTimeoutMs: options.idleTimeoutMs }),
      ...(options.maxLineBytes !== undefined && { maxLineBytes: options.maxLineBytes }),
    },
    { clock, logger, transports: [transport] },
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
      const reply = await linesOf(client);
      if (reply.join("\n") !== "OK") throw new Error(`LOGIN ${username} answered ${JSON.stringify(reply)}`);
      return client;
    },
  };
}

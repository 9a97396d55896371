import { build, type ChatApp, type ServerConfig } from "../../src/composition-root";
import { RecordingLogger } from "../../src/testing/recording-logger";

export interface RunningServer {
  readonly app: ChatApp;
  readonly port: number;
  /** The web port, when `web` was configured. */
  readonly webPort: number;
  readonly logger: RecordingLogger;
}

/** The real server, real clock and real TCP on 127.0.0.1, on ports the OS picks. */
export async function startTcpServer(config: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const logger = new RecordingLogger();
  const app = await build({ port: 0, host: "127.0.0.1", ...config }, { logger });
  const addresses = await app.start();
  return { app, port: addresses[0]!.port, webPort: config.web === undefined ? -1 : addresses.at(-1)!.port, logger };
}

/** The server with the web door on too (and plain TCP). */
export function startWebServer(config: Partial<ServerConfig> = {}): Promise<RunningServer> {
  return startTcpServer({ web: { port: 0, host: "127.0.0.1" }, ...config });
}

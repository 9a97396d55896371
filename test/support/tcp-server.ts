import { build, type ChatApp, type ServerConfig } from "../../src/composition-root";
import { RecordingLogger } from "../../src/testing/recording-logger";

export interface RunningServer {
  readonly app: ChatApp;
  readonly port: number;
  readonly logger: RecordingLogger;
}

/** The real server, real clock and real TCP on 127.0.0.1, on a port the OS picks. */
export async function startTcpServer(config: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const logger = new RecordingLogger();
  const app = await build({ port: 0, host: "127.0.0.1", ...config }, { logger });
  const [address] = await app.start();
  return { app, port: address!.port, logger };
}

import { build, type AdapterOverrides, type ChatApp, type ServerConfig } from "../../src/composition-root";
import { RecordingLogger } from "../../src/testing/recording-logger";

export interface RunningServer {
  readonly app: ChatApp;
  readonly port: number;
  /** The web port, when `web` was configured. */
  readonly webPort: number;
  /** The IRC port, when `irc` was configured. */
  readonly ircPort: number;
  readonly logger: RecordingLogger;
}

/** The adapters a test may give the server instead of the real ones. */
export type TestOverrides = Pick<AdapterOverrides, "clock" | "presence" | "profiles" | "store">;

/** The real server and real TCP on 127.0.0.1, on ports the OS picks; the real clock and registry of names unless `clock` or `presence` is given. */
export async function startTcpServer(config: Partial<ServerConfig> = {}, { clock, presence, profiles, store }: TestOverrides = {}): Promise<RunningServer> {
  const logger = new RecordingLogger();
  const app = await build({ port: 0, host: "127.0.0.1", ...config }, { logger, clock, presence, profiles, store });
  const addresses = await app.start();
  // "web" or, over TLS, "web-tls"; "irc" before "irc-tls".
  const portOf = (transport: string): number =>
    (logger.find("listening").find((entry) => String(entry.context.transport).startsWith(transport))?.context.port as number | undefined) ?? -1;
  return { app, port: addresses[0]!.port, webPort: portOf("web"), ircPort: portOf("irc"), logger };
}

/** The server with the IRC door on too (and plain TCP); its server name is chat.test. */
export function startIrcServer(config: Partial<ServerConfig> = {}, overrides: TestOverrides = {}): Promise<RunningServer> {
  return startTcpServer({ irc: { port: 0, host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" }, ...config }, overrides);
}

/** The server with the web door on too (and plain TCP). */
export function startWebServer(config: Partial<ServerConfig> = {}, overrides: TestOverrides = {}): Promise<RunningServer> {
  return startTcpServer({ web: { port: 0, host: "127.0.0.1" }, ...config }, overrides);
}

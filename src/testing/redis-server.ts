import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import net from "node:net";

/** Whether redis-server can be run here (CI installs it; see .ci/run). */
export const redisServerInstalled: boolean = (() => {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** A local port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Whether a Redis answers on the port (asking for a password counts). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(/^(\+PONG|-NOAUTH)/.test(data.toString()));
    });
    socket.once("error", () => resolve(false));
  });
}

export interface RedisServerOptions {
  /** CPUs to pin it to (taskset), for benchmarks. */
  readonly cpus?: string;
  /** Clients must give this password (requirepass). */
  readonly password?: string;
  /** Keeps its data in an append-only file in this directory, every write synced: a restart (even after SIGKILL) keeps it. */
  readonly dataDirectory?: string;
}

/**
 * A redis-server of the test's own, on a free port, keeping nothing on disk
 * unless told to (for cluster tests and benchmarks; needs the redis-server
 * binary).
 */
export class RedisServer {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  /** The process id, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options);
    await server.run();
    return server;
  }

  /** Where to reach it, its password included. */
  get url(): string {
    const password = this.options.password;
    return `redis://${password === undefined ? "" : `:${encodeURIComponent(password)}@`}127.0.0.1:${this.port}`;
  }

  /** Stops it abruptly: its data is gone, as after a crash without persistence. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    this.child = null;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** Starts it again on the same port: empty, unless it keeps its data in a directory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  private async run(): Promise<void> {
    const { cpus, password, dataDirectory } = this.options;
    const persistence = dataDirectory === undefined ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", "always", "--dir", dataDirectory];
    const args = ["redis-server", "--port", String(this.port), "--bind", "127.0.0.1", "--save", "", ...persistence];
    if (password !== undefined) args.push("--requirepass", password);
    const command = cpus === undefined ? args : ["taskset", "-c", cpus, ...args];
    this.child = spawn(command[0]!, command.slice(1), { stdio: "ignore" });
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await answersPing(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }
}

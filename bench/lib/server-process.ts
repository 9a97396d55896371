import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import { freePort } from "chat-server/testing";
import { join } from "node:path";

/** The checkout this benchmark was built in; another one can be measured in the same run (--against). */
const OWN_ROOT = join(__dirname, "..", "..");
/** The V8 flags `npm start` and the `chat-server` bin run the server with. */
const PRODUCTION_NODE_ARGS = ["--max-semi-space-size=4"];
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessUsage {
  /** Resident set size, bytes. */
  readonly rssBytes: number;
  /** User + system CPU time, seconds. */
  readonly cpuSeconds: number;
}

/** Memory and CPU time of a process, read from /proc. */
export function processUsage(pid: number): ProcessUsage {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssBytes: rssKb * 1024, cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
}

/** The built server as a child process, optionally pinned to CPUs with taskset. */
export class ServerProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(
    args: readonly string[],
    /** quiet: the server's stdout (its logs) goes to /dev/null, as to a log file nobody reads live. */
    options: { cpus?: string; nodeArgs?: readonly string[]; quiet?: boolean; root?: string } = {},
  ): Promise<ServerProcess> {
    const port = await freePort();
    const root = options.root ?? OWN_ROOT;
    const cli = join(root, "dist", "cli.js");
    const command = [process.execPath, ...PRODUCTION_NODE_ARGS, ...(options.nodeArgs ?? []), cli, "--port", String(port), "--host", "127.0.0.1", ...args];
    const stdio = ["ignore", options.quiet ? "ignore" : "inherit", "inherit"] as const;
    // In its checkout, which has the plugins.config.json that goes with its build.
    const spawnOptions = { stdio: [...stdio], cwd: root };
    const child = options.cpus
      ? spawn("taskset", ["-c", options.cpus, ...command], spawnOptions)
      : spawn(command[0]!, command.slice(1), spawnOptions);
    const server = new ServerProcess(child, port);
    await server.waitUntilListening();
    return server;
  }

  /** Memory and CPU time of the server process. */
  usage(): ProcessUsage {
    return processUsage(this.child.pid!);
  }

  /**
   * How long the server's main thread (its event loop) was ready to run but
   * waited for a CPU another process had, seconds (/proc/<pid>/schedstat):
   * delays the server did not cause.
   */
  runQueueSeconds(): number {
    return Number(readFileSync(`/proc/${this.child.pid}/schedstat`, "utf8").split(" ")[1]) / 1e9;
  }

  /**
   * Sends SIGTERM, and SIGKILL if the server has not exited `killAfterMs`
   * later (a server whose event loop is stuck never handles the SIGTERM);
   * resolves with the exit code (null if killed) and how long the exit took.
   */
  async stop(killAfterMs = Infinity): Promise<{ code: number | null; seconds: number; killed: boolean }> {
    const started = process.hrtime.bigint();
    const exited = new Promise<number | null>((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.kill("SIGTERM");
    let killed = false;
    const deadline = Number.isFinite(killAfterMs)
      ? setTimeout(() => {
          killed = true;
          this.kill();
        }, killAfterMs)
      : undefined;
    const code = await exited;
    clearTimeout(deadline);
    return { code, seconds: Number(process.hrtime.bigint() - started) / 1e9, killed };
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }

  private async waitUntilListening(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (this.child.exitCode !== null) throw new Error(`the server exited with code ${this.child.exitCode}`);
      const connected = await new Promise<boolean>((resolve) => {
        const socket = net.connect(this.port, "127.0.0.1", () => {
          socket.destroy();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      });
      if (connected) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("the server did not start listening");
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const CLI = join(__dirname, "..", "..", "dist", "cli.js");
const WAIT_MS = 10_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The built CLI (`npm test` builds it first) as a real process. */
export class CliProcess {
  private stdoutText = "";
  private stderrText = "";
  readonly exited: Promise<Exit>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (text: string) => (this.stdoutText += text));
    child.stderr!.setEncoding("utf8").on("data", (text: string) => (this.stderrText += text));
    this.exited = new Promise((resolve) =>
      child.on("close", (code, signal) =>
        resolve({ code, signal, stdout: this.stdoutText, stderr: this.stderrText }),
      ),
    );
  }

  /** `program`: node's arguments before the flags: the built CLI, or another way to it (the CLI with a test's own doors). */
  static spawn(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string, program: readonly string[] = [CLI]): CliProcess {
    return new CliProcess(
      spawn(process.execPath, [...program, ...args], { env: { ...process.env, ...env }, cwd, stdio: ["ignore", "pipe", "pipe"] }),
    );
  }

  /** Runs to completion, for calls that exit by themselves (errors, --help); killed if it has not after 10 s. */
  static run(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string, program?: readonly string[]): Promise<Exit> {
    const cli = CliProcess.spawn(args, env, cwd, program);
    const guard = setTimeout(() => cli.kill("SIGKILL"), WAIT_MS);
    return cli.exited.finally(() => clearTimeout(guard));
  }

  /** Everything written to standard output so far. */
  get output(): string {
    return this.stdoutText;
  }

  /** Log entries written so far (pino's JSON lines). */
  logs(): Record<string, unknown>[] {
    return this.stdoutText
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Waits for the first log entry with this message (and these fields). */
  async waitForLog(message: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const deadline = Date.now() + WAIT_MS;
    const matches = (log: Record<string, unknown>): boolean =>
      log.msg === message && Object.entries(fields).every(([key, value]) => log[key] === value);
    for (;;) {
      const entry = this.logs().find(matches);
      if (entry !== undefined) return entry;
      if (this.child.exitCode !== null) throw new Error(`exited before logging "${message}": ${this.stderrText}`);
      if (Date.now() > deadline) throw new Error(`no "${message}" log within ${WAIT_MS} ms`);
      await Promise.race([new Promise((resolve) => this.child.stdout!.once("data", resolve)), this.exited]);
    }
  }

  /** The port of the first transport (or of the one named: tcp, tls, metrics), once it listens. */
  async port(transport?: string): Promise<number> {
    return (await this.waitForLog("listening", transport === undefined ? {} : { transport })).port as number;
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): void {
    this.child.kill(signal);
  }
}

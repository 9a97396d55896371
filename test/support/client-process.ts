import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const CLIENT = join(__dirname, "..", "..", "dist", "client-cli.js");
const WAIT_MS = 5000;

/** chat-client as a real process, typed into through a pipe. */
export class ClientProcess {
  private output = "";
  private errors = "";
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLIENT, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout!.setEncoding("utf8").on("data", (text: string) => (this.output += text));
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => (this.errors += text));
    this.exited = new Promise((resolve) => this.child.on("close", resolve));
  }

  type(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  endInput(): void {
    this.child.stdin!.end();
  }

  get stderr(): string {
    return this.errors;
  }

  /** Waits until the screen shows `line` (a whole line), then returns everything shown so far. */
  async waitFor(line: string, waitMs = WAIT_MS): Promise<string[]> {
    const deadline = Date.now() + waitMs;
    while (!this.output.split("\n").includes(line)) {
      if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(line)} in ${JSON.stringify(this.output)} (stderr ${this.errors})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.output.split("\n").filter(Boolean);
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}

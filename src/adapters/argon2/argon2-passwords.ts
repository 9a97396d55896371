import { Worker } from "node:worker_threads";
import type { PasswordsPort } from "../../core/ports/store.port";

/**
 * argon2id with OWASP's first recommended setting: 19 MiB of memory, 2
 * passes, 1 lane (a 16-byte salt, a 32-byte hash, in the PHC string that
 * records them, so that raising them later still verifies the old
 * hashes). About 14 ms of one core a hash on this project's benchmark
 * machine (docs/ACCOUNTS.md).
 */
export const ARGON2_PARAMETERS = Object.freeze({ algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/**
 * A hashing thread: it takes one job at a time, and runs at a lower CPU
 * priority than the event loop (nice 10, on Linux, where a thread has its
 * own): on a core they share, the chat gets about nine tenths of it while
 * sign-ins wait their turn, and sign-ins still go on (at nice 19 they got
 * so little of a busy core that a sign-in took 7 s; docs/BENCHMARKS.md).
 */
const WORKER = `
const { parentPort } = require("node:worker_threads");
const { readlinkSync } = require("node:fs");
const { setPriority } = require("node:os");
const argon2 = require(${JSON.stringify(require.resolve("@node-rs/argon2"))});
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 10);
} catch {
  // Not Linux: the thread keeps the process's priority.
}
parentPort.on("message", ({ password, hash, options }) => {
  try {
    parentPort.postMessage({ result: hash === undefined ? argon2.hashSync(password, options) : argon2.verifySync(hash, password) });
  } catch (error) {
    // A hash this library cannot read (a damaged row) matches no password.
    parentPort.postMessage(hash === undefined ? { error: String(error) } : { result: false });
  }
});
`;

interface Job {
  readonly password: string;
  readonly hash?: string;
  readonly options?: typeof ARGON2_PARAMETERS;
}

interface Outcome {
  readonly result?: string | boolean;
  readonly error?: string;
}

type Settle = (outcome: Outcome) => void;

/**
 * Hashes and checks passwords on threads of its own (not libuv's pool,
 * which file and DNS work share), `threads` of them, off the event loop
 * and below it in priority. How many run at once is the core's to bound
 * (Accounts); jobs beyond the threads wait here in order.
 */
export class Argon2Passwords implements PasswordsPort {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  /** Jobs waiting for a thread, in order. */
  private readonly waiting: { readonly job: Job; readonly settle: Settle }[] = [];
  /** Whom each busy thread answers. */
  private readonly busy = new Map<Worker, Settle>();

  /** `threads`: at most so many, each started when first needed (a server nobody signs in to starts none). */
  constructor(private readonly threads: number) {}

  async hash(password: string): Promise<string> {
    const { result, error } = await this.run({ password, options: ARGON2_PARAMETERS });
    if (error !== undefined) throw new Error(`hashing failed: ${error}`);
    return result as string;
  }

  async verify(hash: string, password: string): Promise<boolean> {
    return (await this.run({ password, hash })).result === true;
  }

  /** Ends the threads. */
  async close(): Promise<void> {
    await Promise.all(this.all.map((worker) => worker.terminate()));
  }

  private run(job: Job): Promise<Outcome> {
    return new Promise((settle) => {
      const worker = this.idle.pop() ?? (this.all.length < this.threads ? this.newThread() : undefined);
      if (worker === undefined) this.waiting.push({ job, settle });
      else this.start(worker, job, settle);
    });
  }

  private newThread(): Worker {
    const worker = new Worker(WORKER, { eval: true });
    // An idle thread keeps no process alive; a busy one does (see start).
    worker.unref();
    worker.on("message", (outcome: Outcome) => this.done(worker, outcome));
    // A thread that died (out of memory) fails its job and is gone: a new one takes the next job waiting.
    worker.on("error", (error) => {
      const settle = this.busy.get(worker);
      this.busy.delete(worker);
      this.all.splice(this.all.indexOf(worker), 1);
      this.takeNext(null);
      settle?.({ error: String(error) });
    });
    this.all.push(worker);
    return worker;
  }

  private start(worker: Worker, job: Job, settle: Settle): void {
    this.busy.set(worker, settle);
    worker.ref();
    worker.postMessage(job);
  }

  private done(worker: Worker, outcome: Outcome): void {
    const settle = this.busy.get(worker)!;
    this.busy.delete(worker);
    this.takeNext(worker);
    settle(outcome);
  }

  /** The next job waiting goes to `worker` (null: a new thread); without one, the worker rests. */
  private takeNext(worker: Worker | null): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      this.start(worker ?? this.newThread(), next.job, next.settle);
    } else if (worker !== null) {
      worker.unref();
      this.idle.push(worker);
    }
  }
}

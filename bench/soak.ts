/**
 * Soak: thousands of clients connect, chat, misbehave and leave for a
 * bounded time against the built server in its own process. Prints the
 * server's memory over time, what well-behaved clients lost (must be 0),
 * and every error seen. Not a test: it asserts nothing, it measures.
 *
 *   npm run soak -- --duration 60 --good 2000
 */
import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { LineClient } from "./lib/line-client";
import { megabytes, ServerProcess } from "./lib/server-process";

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "30" },
    good: { type: "string", default: "2000" },
    "message-interval": { type: "string", default: "20" },
    churners: { type: "string", default: "200" },
    flooders: { type: "string", default: "5" },
    "never-readers": { type: "string", default: "50" },
    garbage: { type: "string", default: "50" },
    resetters: { type: "string", default: "50" },
    idlers: { type: "string", default: "200" },
    "server-args": { type: "string", default: "--idle-timeout 30 --max-send-queue 262144" },
    "node-args": { type: "string", default: "" },
  },
});
const number = (name: keyof typeof flags): number => Number(flags[name]);

const durationMs = number("duration") * 1000;
const counts = {
  good: number("good"),
  churners: number("churners"),
  flooders: number("flooders"),
  neverReaders: number("never-readers"),
  garbage: number("garbage"),
  resetters: number("resetters"),
  idlers: number("idlers"),
};
const messageIntervalMs = number("message-interval") * 1000;

const errors = new Map<string, number>();
let stopping = false;
/** Counts what clients see, until the run ends (the shutdown's own errors are not the soak's). */
const count = (map: Map<string, number>, key: string): void => {
  if (!stopping) map.set(key, (map.get(key) ?? 0) + 1);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomBetween = (min: number, max: number) => min + Math.random() * (max - min);

/** A client that logs in, stays, sends numbered messages and checks it gets everyone else's. */
class GoodClient {
  sent = 0;
  /** Per good sender: the next sequence number expected. */
  readonly next = new Map<string, number>();
  received = 0;
  outOfOrder = 0;
  droppedUnexpectedly = false;

  constructor(
    readonly name: string,
    readonly client: LineClient,
  ) {
    client.onLine = (line) => this.onLine(line);
    client.onClose = () => {
      if (!stopping) this.droppedUnexpectedly = true;
    };
  }

  private onLine(line: string): void {
    if (line.startsWith("MSG good")) {
      // MSG good12 g <seq> ...
      const [, sender, , seq] = line.split(" ", 4);
      const expected = this.next.get(sender!) ?? 0;
      if (Number(seq) !== expected) this.outOfOrder++;
      this.next.set(sender!, Number(seq) + 1);
      this.received++;
    } else if (line.startsWith("ERR") || (line.startsWith("INFO") && !line.endsWith(" disconnected"))) {
      count(errors, `${line} (good)`);
    }
  }

  speak(): void {
    this.client.send(`MSG g ${this.sent++} ${"hello ".repeat(4)}`);
  }
}

async function loop(task: () => Promise<void>): Promise<void> {
  while (!stopping) {
    try {
      await task();
    } catch (error) {
      count(errors, `client error: ${(error as Error).message.replace(/\d+/g, "N")}`);
      await sleep(100);
    }
  }
}

async function main(): Promise<void> {
  const serverArgs = ["--log-level", "warn", ...flags["server-args"]!.split(" ").filter(Boolean)];
  const nodeArgs = flags["node-args"]!.split(" ").filter(Boolean);
  const server = await ServerProcess.start(serverArgs, { nodeArgs });
  const port = server.port;
  const baseline = server.usage();
  console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}`);
  console.log(`server pid ${server.child.pid} on port ${port}, args: ${serverArgs.join(" ")}`);
  console.log(`clients: ${JSON.stringify(counts)}, ${durationMs / 1000} s`);

  const good: GoodClient[] = [];
  for (let i = 0; i < counts.good; i += 200) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(200, counts.good - i) }, (_, j) =>
        LineClient.login(port, `good${i + j}`).then((client) => new GoodClient(`good${i + j}`, client)),
      ),
    );
    good.push(...batch);
  }
  const loggedIn = server.usage();
  console.log(`${good.length} good clients logged in; server RSS ${megabytes(baseline.rssBytes)} -> ${megabytes(loggedIn.rssBytes)}`);

  const tasks: Promise<void>[] = [];
  const started = Date.now();
  const until = started + durationMs;

  // Well-behaved chat: each good client speaks every message-interval on
  // average, and sends PING every 10 s, as a client that keeps its connection alive does.
  for (const client of good) {
    tasks.push(
      (async () => {
        await sleep(Math.random() * messageIntervalMs);
        while (Date.now() < until) {
          client.speak();
          await sleep(randomBetween(0.5, 1.5) * messageIntervalMs);
        }
      })(),
    );
  }
  const heartbeat = setInterval(() => {
    for (const client of good) client.client.send("PING");
  }, 10_000);

  let churnCycles = 0;
  for (let i = 0; i < counts.churners; i++) {
    tasks.push(
      loop(async () => {
        const client = await LineClient.login(port, `churn${i}`);
        client.onLine = (line) => line.startsWith("ERR") && count(errors, `${line} (churner)`);
        client.send("MSG churning");
        client.send("WHO");
        await sleep(randomBetween(200, 2000));
        if (Math.random() < 0.5) client.send("QUIT");
        else client.close();
        churnCycles++;
        await sleep(randomBetween(100, 1000));
      }),
    );
  }

  let floodLines = 0;
  for (let i = 0; i < counts.flooders; i++) {
    tasks.push(
      loop(async () => {
        const client = await LineClient.login(port, `flood${i}`);
        const chunk = "MSG flooding the room\n".repeat(500);
        while (!stopping && !client.closed) {
          // Write only as fast as the kernel takes it: TCP backpressure is the point.
          if (!client.socket.write(chunk)) await new Promise((resolve) => client.socket.once("drain", resolve));
          floodLines += 500;
        }
      }),
    );
  }

  let neverReaderDrops = 0;
  for (let i = 0; i < counts.neverReaders; i++) {
    tasks.push(
      loop(async () => {
        // Asks for much output (WHO lists every user) and never reads it.
        const client = await LineClient.login(port, `sleepy${i}`);
        client.socket.pause();
        const asking = setInterval(() => client.send("WHO"), 100);
        await new Promise<void>((resolve) => (client.onClose = resolve));
        clearInterval(asking);
        if (!stopping) neverReaderDrops++;
      }),
    );
  }

  let garbageBursts = 0;
  for (let i = 0; i < counts.garbage; i++) {
    tasks.push(
      loop(async () => {
        const client = await LineClient.connect(port);
        client.onLine = (line) => count(errors, `${line.split(" ").slice(0, 2).join(" ")} (garbage)`);
        for (let burst = 0; burst < 5 && !client.closed; burst++) {
          client.write(randomBytes(Math.floor(randomBetween(10, 6000))));
          garbageBursts++;
          await sleep(randomBetween(50, 300));
        }
        client.close();
      }),
    );
  }

  let resets = 0;
  for (let i = 0; i < counts.resetters; i++) {
    tasks.push(
      loop(async () => {
        const client = await LineClient.login(port, `reset${i}`);
        client.write("MSG half a li");
        await sleep(randomBetween(100, 1000));
        client.reset();
        resets++;
      }),
    );
  }

  let idleDrops = 0;
  for (let i = 0; i < counts.idlers; i++) {
    tasks.push(
      loop(async () => {
        const client = await LineClient.connect(port);
        client.onLine = (line) => line === "ERR idle-timeout" && idleDrops++;
        await new Promise<void>((resolve) => (client.onClose = resolve));
      }),
    );
  }

  let peakRss = loggedIn.rssBytes;
  const sampler = setInterval(() => {
    const usage = server.usage();
    peakRss = Math.max(peakRss, usage.rssBytes);
    const elapsed = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`t=${elapsed}s RSS ${megabytes(usage.rssBytes)} CPU ${usage.cpuSeconds.toFixed(1)} s`);
  }, 5000);

  await sleep(durationMs);
  // Let the last messages arrive before counting.
  await sleep(2000);
  const end = server.usage();
  clearInterval(sampler);
  clearInterval(heartbeat);
  stopping = true;

  const sentByGood = good.reduce((sum, client) => sum + client.sent, 0);
  const expected = sentByGood * (good.length - 1);
  const received = good.reduce((sum, client) => sum + client.received, 0);
  const outOfOrder = good.reduce((sum, client) => sum + client.outOfOrder, 0);
  const goodDropped = good.filter((client) => client.droppedUnexpectedly).length;

  const shutdown = await server.stop();
  for (const client of good) client.client.close();
  await Promise.race([Promise.all(tasks), sleep(3000)]);

  console.log("\nResults");
  console.log(`  server RSS: start ${megabytes(baseline.rssBytes)}, all logged in ${megabytes(loggedIn.rssBytes)}, peak ${megabytes(peakRss)}, end ${megabytes(end.rssBytes)}`);
  console.log(`  server CPU: ${end.cpuSeconds.toFixed(1)} s over ${(durationMs / 1000 + 2).toFixed(0)} s`);
  console.log(`  good clients: ${good.length}, messages sent ${sentByGood}, deliveries expected ${expected}, received ${received}`);
  console.log(`  LOST: ${expected - received}, out of order: ${outOfOrder}, good clients dropped: ${goodDropped}`);
  console.log(`  misbehaving: ${churnCycles} churn cycles, ${floodLines} flood lines written, ${garbageBursts} garbage bursts, ${resets} resets`);
  console.log(`  dropped by the server: ${neverReaderDrops} never-readers (send queue), ${idleDrops} idlers (idle timeout)`);
  console.log(`  shutdown: exit code ${shutdown.code} after ${shutdown.seconds.toFixed(2)} s`);
  console.log("  lines and errors seen by clients:");
  for (const [error, n] of [...errors].sort((a, b) => b[1] - a[1])) console.log(`    ${n}\t${error}`);
  process.exit(0);
}

void main();

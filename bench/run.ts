/**
 * The benchmark: a load generator over real TCP against the built server in
 * its own process. Prints figures; asserts nothing.
 *
 *   npm run bench                       every scenario with its defaults
 *   npm run bench -- fanout --rate 2000 one scenario, other parameters
 *
 * Scenarios: fanout, capacity, smallroom, overload, amplification, cluster (needs redis-server),
 * resume and resume-baseline (10% of the receivers resumable, dropping and resuming every 3 s; or never),
 * cluster-resume (the same on 2 nodes, each resume on the other node; needs redis-server),
 * signins (password sign-ins: server CPU each, the most a second, fan-out p99 beside them; see docs/ACCOUNTS.md),
 * who-attack (IRC users sending WHO with adversarial masks within their flood budget, while
 * others PING over TCP; users and PINGs over TCP, attackers over IRC, whatever --transport;
 * --max-mask <bytes> bounds the masks, e.g. against a build whose masks take exponential time).
 *
 *   npm run bench -- fanout --transport ws
 *                                       the clients over WebSocket (or irc: IRC; json: the JSON API) instead of TCP
 *                                       (fanout, smallroom, overload, capacity)
 *   npm run bench -- fanout --against ../before
 *                                       each scenario against the build in another
 *                                       checkout first, then this one: before and
 *                                       after a change, in the same run
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { LatencyHistogram } from "./lib/histogram";
import { LineClient } from "./lib/line-client";
import { LoadClient, type LineSink, type Wire } from "./lib/load-client";
import { nativeLoginStorm } from "./lib/login-storm";
import { pinProcesses, type Pinning } from "./lib/pinning";
import { freePort, RedisServer } from "chat-server/testing";
import { megabytes, processUsage, ServerProcess, type ProcessUsage } from "./lib/server-process";

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: "string" },
    senders: { type: "string" },
    rate: { type: "string" },
    duration: { type: "string" },
    "in-flight": { type: "string" },
    "max-mask": { type: "string" },
    "server-args": { type: "string", default: "" },
    "node-args": { type: "string", default: "" },
    "log-level": { type: "string", default: "info" },
    "no-pin": { type: "boolean", default: false },
    against: { type: "string" },
    transport: { type: "string", default: "tcp" },
  },
});

const MESSAGE_BYTES = 32;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowUs = (): number => Math.round(performance.now() * 1000);
const words = (text: string) => text.split(" ").filter(Boolean);
const numberFlag = (name: "clients" | "senders" | "rate" | "duration" | "in-flight" | "max-mask", fallback: number): number =>
  flags[name] === undefined ? fallback : Number(flags[name]);

interface ServerUsageWindow {
  readonly start: ProcessUsage;
  readonly end: ProcessUsage;
  readonly seconds: number;
}

function cpuPercent(window: ServerUsageWindow): string {
  return `${((100 * (window.end.cpuSeconds - window.start.cpuSeconds)) / window.seconds).toFixed(0)}%`;
}

/** The checkout whose server is measured now: another one (--against), or this one. */
let serverRoot: string | undefined;

/** How the load clients reach the server: the line protocol over TCP or WebSocket (`--transport ws`), IRC (`--transport irc`), or the JSON API (`--transport json`). */
const wire = ((): Wire => {
  const transport = flags.transport;
  if (transport !== "tcp" && transport !== "ws" && transport !== "irc" && transport !== "json") {
    throw new Error(`--transport is tcp, ws, irc or json, got "${transport}"`);
  }
  return transport;
})();

/** A server under test and the port its load clients connect to (TCP's, or the web port's). */
interface TestedServer {
  readonly process: ServerProcess;
  readonly clientPort: number;
}

/**
 * The server as `npm start` runs it, flood control off (the senders are the
 * load) unless `floodControl`, with the door of `transport` open besides TCP.
 */
async function startServer(pinning: Pinning, extraArgs: readonly string[], floodControl = false, transport: Wire = wire): Promise<TestedServer> {
  const rate = floodControl ? [] : ["--rate-limit", "0"];
  const door = transport === "ws" || transport === "json" ? ["--web-port", String(await freePort())] : transport === "irc" ? ["--irc-port", String(await freePort()), "--server-name", "bench"] : [];
  const args = ["--log-level", flags["log-level"]!, ...rate, ...door, ...extraArgs, ...words(flags["server-args"]!)];
  const server = await ServerProcess.start(args, {
    cpus: pinning.server ?? undefined,
    nodeArgs: words(flags["node-args"]!),
    quiet: true,
    root: serverRoot,
  });
  return { process: server, clientPort: transport === "tcp" ? server.port : Number(door[1]) };
}

/** The processes under test: one server, or the nodes of a cluster and their Redis. */
interface Fleet {
  /** Where clients connect: client i to ports[i % ports.length]. */
  readonly ports: readonly number[];
  /** Every process, for CPU and memory; `server` marks the chat servers. */
  readonly parts: readonly { readonly label: string; readonly server: boolean; usage(): ProcessUsage }[];
  stop(): Promise<void>;
}

function fleetOf({ process: server, clientPort }: TestedServer): Fleet {
  return {
    ports: [clientPort],
    parts: [{ label: "server", server: true, usage: () => server.usage() }],
    stop: async () => {
      await server.stop();
    },
  };
}

/** Summed over the chat servers (RSS), or over every process (CPU). */
function usageOf(fleet: Fleet, serversOnly = true): ProcessUsage {
  const parts = fleet.parts.filter((part) => part.server || !serversOnly).map((part) => part.usage());
  return {
    rssBytes: parts.reduce((sum, part) => sum + part.rssBytes, 0),
    cpuSeconds: parts.reduce((sum, part) => sum + part.cpuSeconds, 0),
  };
}

/** Connects and logs in `count` clients, `inFlight` at a time; resolves with them and the time it took. */
async function loginAll(
  ports: readonly number[],
  count: number,
  inFlight: number,
  sinkFor: (index: number) => LineSink,
  nameOf = (index: number): string => `u${index}`,
  transport: Wire = wire,
): Promise<{ clients: LoadClient[]; seconds: number }> {
  const clients: LoadClient[] = new Array(count);
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      clients[index] = await LoadClient.login(ports[index % ports.length]!, nameOf(index), sinkFor(index), transport);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  return { clients, seconds: (performance.now() - started) / 1000 };
}

interface ChatRun {
  readonly clients: number;
  readonly senders: number;
  readonly rate: number;
  readonly durationS: number;
  readonly serverArgs?: readonly string[];
  /** Also measure PING round trips on a separate connection during the run. */
  readonly ping?: boolean;
  /**
   * Receivers (not senders) that make their session resumable, then drop
   * their connection (a reset) and resume it on a new one, each every
   * `everyMs`, staggered: what they miss must come back once, in order.
   */
  readonly resumers?: { readonly count: number; readonly everyMs: number };
  /** Other load on the server while the messages are sent: started once everyone is logged in, stopped when the sending ends; `stop` says what it did. */
  readonly alongside?: { start(): void; stop(): Promise<string> };
}

/** Clients in one room, `senders` of them sending `rate` messages a second in all, timestamped. */
async function chat(name: string, run: ChatRun, fleet: Fleet): Promise<void> {
  const server = { usage: () => usageOf(fleet) };
  let stopped = false;
  try {
    const latency = new LatencyHistogram();
    let received = 0;
    let lastReceiptUs = 0;
    let outOfOrder = 0;
    let other = 0;
    const lastSeq: Int32Array[] = [];
    // A resumable client's token, and the lines it received after the token's line.
    const tokens: string[] = [];
    const counted = new Int32Array(run.clients);
    let tokenWaiters: (() => void)[] = [];
    let refusedResumes = 0;
    const sinks: LineSink[] = [];
    const sinkFor = (index: number): LineSink => {
      const seen = (lastSeq[index] = new Int32Array(run.senders).fill(-1));
      return (sinks[index] = {
        onChat(sender, seq, sentUs, receivedUs) {
          received++;
          counted[index]!++;
          lastReceiptUs = receivedUs;
          latency.record(receivedUs - sentUs);
          if (seq <= seen[sender]!) outOfOrder++;
          seen[sender] = seq;
        },
        onOther(line) {
          const [verb, first, second] = line.split(" ");
          if (verb === "TOKEN" || verb === "RESUMED") {
            tokens[index] = verb === "TOKEN" ? first! : second!;
            counted[index] = 0;
            if (verb === "TOKEN") tokenWaiters.splice(0).forEach((wake) => wake());
            return;
          }
          if (verb === "ERR" && first === "resume-refused") refusedResumes++;
          counted[index]!++;
          other++;
        },
      });
    };
    const idle = server.usage();
    const { clients, seconds: loginSeconds } = await loginAll(fleet.ports, run.clients, 200, sinkFor);
    const resumers = Array.from({ length: run.resumers?.count ?? 0 }, (_, i) => run.senders + i);
    for (const index of resumers) clients[index]!.send("RESUMABLE");
    while (resumers.some((index) => tokens[index] === undefined)) await new Promise<void>((wake) => (tokenWaiters = [...tokenWaiters, wake]));
    const loggedIn = server.usage();

    const pings = new LatencyHistogram();
    let pingTimer: NodeJS.Timeout | undefined;
    if (run.ping) {
      // One PING at a time, every 20 ms or as soon as the last one is answered.
      let pingSentUs = 0;
      const pong: LineSink = {
        onChat: () => undefined,
        onOther: (line) => {
          if (line !== "PONG") return;
          pings.record(nowUs() - pingSentUs);
          pingSentUs = 0;
        },
      };
      const pinger = await LoadClient.connect(fleet.ports[0]!, pong, "127.0.0.1", wire);
      pingTimer = setInterval(() => {
        if (pingSentUs !== 0) return;
        pingSentUs = nowUs();
        pinger.send("PING");
      }, 20);
    }

    const senders = clients.slice(0, run.senders);
    const seqs = new Int32Array(run.senders);
    const total = Math.round(run.rate * run.durationS);
    const padding = "x".repeat(MESSAGE_BYTES);
    const lag = new LatencyHistogram();
    let sent = 0;
    let peakRss = loggedIn.rssBytes;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, server.usage().rssBytes)), 250);
    let resumes = 0;
    let resuming: Promise<void>[] = [];
    let dropper: NodeJS.Timeout | undefined;
    if (run.resumers !== undefined && resumers.length > 0 && Number.isFinite(run.resumers.everyMs)) {
      // One drop every everyMs / count, round the resumers: each drops every everyMs,
      // and resumes on the next node (on a cluster: another node than the one it was on).
      let next = 0;
      const nodeOf = new Int32Array(run.clients).map((_, index) => index % fleet.ports.length);
      dropper = setInterval(() => {
        const index = resumers[next++ % resumers.length]!;
        const old = clients[index]!;
        old.socket.resetAndDestroy();
        nodeOf[index] = (nodeOf[index]! + 1) % fleet.ports.length;
        const port = fleet.ports[nodeOf[index]!]!;
        resuming.push(
          LoadClient.connect(port, sinks[index]!, "127.0.0.1", wire).then((again) => {
            again.send(`RESUME ${tokens[index]} ${counted[index]}`);
            clients[index] = again;
            resumes++;
          }),
        );
      }, run.resumers.everyMs / resumers.length);
    }
    run.alongside?.start();
    const clientCpuStart = process.cpuUsage();
    const startUs = nowUs();
    const windowStart = server.usage();
    const partsAtStart = fleet.parts.map((part) => part.usage().cpuSeconds);
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = nowUs();
        const due = Math.min(total, Math.floor(((now - startUs) / 1e6) * run.rate));
        if (due > sent) lag.record(now - (startUs + (sent / run.rate) * 1e6));
        for (; sent < due; sent++) {
          const sender = sent % run.senders;
          const text = `${sender} ${seqs[sender]!++} ${nowUs()} `;
          senders[sender]!.send(`MSG ${text}${padding.slice(text.length)}`);
        }
        if (sent < total) setTimeout(tick, 1);
        else resolve();
      };
      tick();
    });
    const sendSeconds = (nowUs() - startUs) / 1e6;
    const alongside = await run.alongside?.stop();
    clearInterval(dropper);
    await Promise.all(resuming);
    resuming = [];
    const expected = total * (run.clients - 1);
    // Wait for the last deliveries: until all arrived, or for a whole second
    // nothing arrived and the server did next to nothing (it may still be
    // working through a backlog without sending).
    for (let last = -1, cpu = server.usage().cpuSeconds; received < expected; ) {
      await sleep(1000);
      const nowCpu = server.usage().cpuSeconds;
      if (received === last && nowCpu - cpu < 0.05) break;
      last = received;
      cpu = nowCpu;
    }
    const windowEnd = server.usage();
    clearInterval(sampler);
    if (pingTimer) clearInterval(pingTimer);
    const clientCpu = process.cpuUsage(clientCpuStart);
    // Busy shares are taken over the delivery window; the drain wait after it was idle.
    const deliverySeconds = (lastReceiptUs - startUs) / 1e6;
    const clientBusy = (clientCpu.user + clientCpu.system) / 1e6 / deliverySeconds;
    const dropped = clients.filter((client) => client.closed).length;

    console.log(`\n== ${name}: ${run.clients} clients, ${run.senders} senders, ${run.rate} msg/s for ${run.durationS} s`);
    console.log(`  logins: ${run.clients} in ${loginSeconds.toFixed(2)} s (200 in flight)`);
    console.log(`  sent ${sent} in ${sendSeconds.toFixed(2)} s; deliveries expected ${expected}, received ${received}`);
    console.log(`  LOST ${expected - received}, out of order ${outOfOrder}, clients dropped by the server ${dropped}, other lines ${other}`);
    console.log(
      `  deliveries/s: ${Math.round(received / deliverySeconds)} (first send to last receipt, ${deliverySeconds.toFixed(2)} s; ` +
        `offered ${Math.round(run.rate * (run.clients - 1))})`,
    );
    console.log(`  latency: ${latency.summary()}`);
    if (alongside !== undefined) console.log(`  alongside: ${alongside}`);
    if (run.ping) console.log(`  PING round trip during the run: ${pings.summary()} (${pings.count} answered)`);
    if (run.resumers !== undefined) {
      console.log(`  resumable receivers: ${resumers.length}, each dropped every ${run.resumers.everyMs / 1000} s: ${resumes} drops resumed, ${refusedResumes} refused`);
    }
    console.log(
      `  server: RSS idle ${megabytes(idle.rssBytes)}, logged in ${megabytes(loggedIn.rssBytes)}, peak ${megabytes(peakRss)}; ` +
        `CPU ${cpuPercent({ start: windowStart, end: windowEnd, seconds: deliverySeconds })} of a core`,
    );
    if (fleet.parts.length > 1) {
      const shares = fleet.parts.map(
        (part, i) => `${part.label} ${((100 * (part.usage().cpuSeconds - partsAtStart[i]!)) / deliverySeconds).toFixed(0)}%`,
      );
      const cpu = fleet.parts.reduce((sum, part, i) => sum + part.usage().cpuSeconds - partsAtStart[i]!, 0);
      console.log(`  CPU by process: ${shares.join(", ")}; in all ${((1e6 * cpu) / sent).toFixed(0)} us a message, ${((1e9 * cpu) / received).toFixed(0)} ns a delivery`);
    } else {
      const cpu = windowEnd.cpuSeconds - windowStart.cpuSeconds;
      console.log(`  server CPU: ${((1e6 * cpu) / sent).toFixed(0)} us a message, ${((1e9 * cpu) / received).toFixed(0)} ns a delivery`);
    }
    const behind = lag.percentileMs(0.99);
    console.log(
      `  load generator: ${(clientBusy * 100).toFixed(0)}% of a core (${((100 * clientCpu.system) / 1e6 / deliverySeconds).toFixed(0)}% in the kernel); send schedule lag p99 ${behind.toFixed(2)} ms, max ${lag.maxMs.toFixed(1)} ms` +
        (lag.maxMs > 50
          ? "  << FELL BEHIND its sending schedule: the figures are the load generator's limit, not the server's"
          : clientBusy > 0.9
            ? "  (busy: the latencies include the load generator's own delay in reading)"
            : ""),
    );
    // The servers first: clients leaving one by one would each be announced to all the others.
    await fleet.stop();
    stopped = true;
    for (const client of clients) client.close();
  } finally {
    if (!stopped) await fleet.stop();
  }
}

/** Many logged-in clients doing nothing: login time, and server memory per client. */
async function capacity(clientCount: number, inFlight: number, pinning: Pinning): Promise<void> {
  const { process: server, clientPort } = await startServer(pinning, ["--max-connections", String(clientCount + 100)]);
  try {
    await sleep(1000);
    const idle = server.usage();
    let close: () => void;
    let seconds: number;
    let generator: string;
    let generatorCpu: number;
    // The native storm speaks TCP only: WebSocket clients are Node's.
    const storm = wire !== "tcp" ? null : await nativeLoginStorm(server.port, clientCount, inFlight, pinning.client);
    if (storm !== null) {
      if (storm.failed > 0) console.log(`  ${storm.failed} logins failed`);
      ({ seconds, close } = storm);
      generator = "native login storm (bench/native/login-storm.c)";
      generatorCpu = storm.cpuSeconds;
    } else {
      const sink: LineSink = { onChat: () => undefined, onOther: () => undefined };
      const cpuStart = process.cpuUsage();
      const { clients, seconds: took } = await loginAll([clientPort], clientCount, inFlight, () => sink);
      const cpu = process.cpuUsage(cpuStart);
      seconds = took;
      close = () => clients.forEach((client) => client.close());
      generator = wire !== "tcp" ? `Node clients (${wire})` : "Node clients (no C compiler here for the native one)";
      generatorCpu = (cpu.user + cpu.system) / 1e6;
    }
    const afterLogins = server.usage();
    await sleep(3000);
    const loaded = server.usage();
    const perClient = (loaded.rssBytes - idle.rssBytes) / clientCount;
    console.log(`\n== capacity: ${clientCount} clients, ${inFlight} logins in flight, by ${generator}`);
    console.log(`  logins: ${clientCount} in ${seconds.toFixed(2)} s (${Math.round(clientCount / seconds)}/s)`);
    console.log(
      `  CPU during the logins: server ${cpuPercent({ start: idle, end: afterLogins, seconds })} of a core ` +
        `(${(((afterLogins.cpuSeconds - idle.cpuSeconds) * 1e6) / clientCount).toFixed(0)} us a login), ` +
        `load generator ${((100 * generatorCpu) / seconds).toFixed(0)}%`,
    );
    console.log(`  server RSS: idle ${megabytes(idle.rssBytes)}, with ${clientCount} logged in ${megabytes(loaded.rssBytes)}`);
    console.log(`  RSS per idle logged-in client: ${(perClient / 1024).toFixed(2)} KB`);
    // Stop the server first: 10000 clients leaving one by one would each be announced to all the others.
    await server.stop();
    close();
  } finally {
    server.kill();
  }
}

/** Memory in the kernel's TCP buffers, every socket of the machine (pages of /proc/net/sockstat). */
function tcpMemoryBytes(): number {
  const pages = /^TCP:.* mem (\d+)/m.exec(readFileSync("/proc/net/sockstat", "utf8"))?.[1];
  return Number(pages ?? 0) * 4096;
}

/** A Prometheus metric's value from a /metrics text, summed over its labels that match; rejects after 2 s without an answer. */
async function scrapeMetric(port: number, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(name) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

/**
 * The amplification attack of issue #10: `receivers` logged-in clients that
 * never read, with small receive buffers; then `senders` clients that each
 * write 20 MSG lines of 4000 bytes at once (inside the default flood burst),
 * while `readers` well-behaved clients read everything. Flood control is on,
 * as by default. Prints the growth of the server's RSS, and whether the
 * readers got every line.
 */
async function amplification(receivers: number, senderCount: number, readerCount: number, pinning: Pinning): Promise<void> {
  const metricsPort = await freePort();
  const total = receivers + senderCount + readerCount;
  const { process: server } = await startServer(pinning, ["--max-connections", String(total + 100), "--metrics-port", String(metricsPort)], true);
  try {
    await sleep(1000);
    const idle = server.usage();
    const storm = await nativeLoginStorm(server.port, receivers, 200, pinning.client, { receiveBuffer: 4096, prefix: "n" });
    if (storm === null) {
      console.log("\n== amplification: skipped, the native client (bench/native/login-storm.c) cannot be built here");
      return;
    }
    const linesPerSender = 20;
    // Per reader and sender: the lines received, and any not in order (a gap, a repeat).
    const counts = Array.from({ length: readerCount }, () => new Int32Array(senderCount));
    let disorder = 0;
    let received = 0;
    const readers = await Promise.all(
      Array.from({ length: readerCount }, (_, r) =>
        LoadClient.login(server.port, `r${r}`, {
          onChat(sender, seq) {
            received++;
            if (seq !== counts[r]![sender]) disorder++;
            counts[r]![sender] = seq + 1;
          },
          onOther: () => undefined,
        }),
      ),
    );
    // The attacker's senders read nothing either: what they send before their
    // own queues overflow (and they are dropped, with the input the server
    // had not taken yet) is relayed. (Senders that read would make this
    // process read 100 x 8 MB, and measure its own limit, not the server's.)
    const ignore: LineSink = { onChat: () => undefined, onOther: () => undefined };
    const senders = await Promise.all(Array.from({ length: senderCount }, (_, i) => LoadClient.login(server.port, `s${i}`, ignore)));
    for (const sender of senders) sender.socket.pause();
    await sleep(1000);
    const loggedIn = server.usage();
    let peak = loggedIn.rssBytes;
    let kernelPeak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, server.usage().rssBytes);
      kernelPeak = Math.max(kernelPeak, tcpMemoryBytes());
    }, 20);
    const started = performance.now();
    const padding = "x".repeat(4000);
    senders.forEach((sender, s) =>
      sender.write(Array.from({ length: linesPerSender }, (_, seq) => `MSG ${s} ${seq} 0 ${padding}\n`).join("")),
    );
    // Until nothing more has arrived for two seconds since the first line (the
    // first may take a while: thousands of sockets to fill first), or 60 s.
    let lastReceipt = started;
    for (let seen = 0; performance.now() - started < 60_000; ) {
      await sleep(100);
      if (received !== seen) {
        seen = received;
        lastReceipt = performance.now();
      } else if (received > 0 && performance.now() - lastReceipt > 2000) {
        break;
      }
    }
    const deliveredMs = lastReceipt - started;
    // Dropped clients get a little time to read their farewell before their sockets go.
    await sleep(3000);
    clearInterval(sampler);
    const after = server.usage();
    const dropped = await scrapeMetric(metricsPort, "chat_disconnects_total", 'reason="send-queue"');
    const readersDropped = readers.filter((client) => client.closed).length;
    console.log(
      `\n== amplification: ${receivers} clients that never read (8 KB receive buffers), ${senderCount} senders ` +
        `(not reading) of ${linesPerSender} x 4000-byte lines at once, ${readerCount} readers`,
    );
    const relayed = Array.from({ length: senderCount }, (_, sender) => Math.max(...counts.map((count) => count[sender]!)));
    const relayedLines = relayed.reduce((sum, lines) => sum + lines, 0);
    const lost = counts.reduce((sum, count) => sum + relayed.reduce((missing, lines, sender) => missing + lines - count[sender]!, 0), 0);
    console.log(
      `  relayed ${relayedLines} of the ${senderCount * linesPerSender} lines sent; ` +
        `each reader received them within ${(deliveredMs / 1000).toFixed(2)} s: LOST ${lost}, out of order ${disorder}`,
    );
    console.log(`  clients dropped for their send queue: ${dropped} (readers among them: ${readersDropped})`);
    console.log(`  kernel TCP buffers, all sockets of the machine: peak ${megabytes(kernelPeak)} (/proc/net/sockstat)`);
    console.log(
      `  server RSS: idle ${megabytes(idle.rssBytes)}, logged in ${megabytes(loggedIn.rssBytes)}, peak ${megabytes(peak)} ` +
        `(growth ${megabytes(peak - loggedIn.rssBytes)}), 3 s later ${megabytes(after.rssBytes)}`,
    );
    await server.stop();
    storm.close();
    for (const client of [...readers, ...senders]) client.close();
  } finally {
    server.kill();
  }
}

/** The longest mask the IRC door matches (MAX_MASK_LENGTH, src/adapters/irc/irc-mask.ts); a longer one matches nobody, unread. */
const MATCHED_MASK = 64;
/** The longest mask in a `WHO <mask>` line under the default --max-line-bytes (4096). */
const LONGEST_MASK = 4096 - "WHO ".length;
/** The characters a name may have besides `a` (letters compare ignoring case). */
const NOT_A = "bcdefghijklmnopqrstuvwxyz0123456789_";

/**
 * User `index`'s name in the WHO attack: 32 characters, the longest a name
 * may be, `a`s then what tells it apart (none, "b", "c" ... "_", "bb", "bc"
 * ...). The first, 32 `a`s, is the name of issue #17; on each of the others
 * the costliest mask (below) fails near its end from every start: about
 * 500 of the matcher's steps a name.
 */
function adversarialName(index: number): string {
  let suffix = "";
  for (let rest = index; rest > 0; rest = Math.floor((rest - 1) / NOT_A.length)) suffix = NOT_A[(rest - 1) % NOT_A.length] + suffix;
  return suffix.padStart(32, "a");
}

/**
 * What the attackers send, in turn: the masks of issue #17 (the end of
 * `*a*a…*a*b`) of every length the door matches, then longer ones up to
 * `longest` (past 64 characters every length matches nobody, unread: a
 * sample will do), each followed by the costliest 64-character mask, `*aaa…a`
 * (the most steps per name found, by a search with the matcher's step count).
 */
function whoMasks(longest: number): string[] {
  const lengths = [...Array.from({ length: MATCHED_MASK }, (_, i) => i + 1), MATCHED_MASK + 1, 128, 256, 512, 1024, 2048, LONGEST_MASK];
  const costliest = longest >= MATCHED_MASK ? ["*" + "a".repeat(MATCHED_MASK - 1)] : [];
  return lengths.filter((length) => length <= longest).flatMap((length) => [("*a".repeat(Math.ceil(length / 2)) + "*b").slice(-length), ...costliest]);
}

/**
 * The attack of issue #17, with flood control on as by default: `userCount`
 * users online over TCP with adversarial names, then `attackerCount` IRC
 * users that each send `WHO <mask>` as fast as their flood budget lets them
 * (a WHO costs 10 lines: two at once, then one a second), while users
 * over TCP PING, one PING every 10 ms in all, and time the PONGs.
 */
async function whoAttack(userCount: number, attackerCount: number, longestMask: number, durationS: number, pinning: Pinning): Promise<void> {
  if (longestMask > LONGEST_MASK) throw new Error(`--max-mask is at most ${LONGEST_MASK} (a WHO line of 4096 bytes)`);
  // One user's 100 PINGs a second would wait for its own budget: 20 users PING, each every 200 ms.
  const probeCount = 20;
  // WHOs each attacker keeps unanswered, so that its budget, not the round trip, sets its pace.
  const pipeline = 4;
  const metricsPort = await freePort();
  const { process: server, clientPort: ircPort } = await startServer(
    pinning,
    ["--max-connections", String(userCount + probeCount + attackerCount + 100), "--metrics-port", String(metricsPort)],
    true,
    "irc",
  );
  // The server's longest event-loop delay since the last scrape (prom-client resets it at each), and
  // this process's: a late PONG is the server's if the first is long, the machine's or ours if not.
  const serverLoopDelayMs = async (): Promise<number> => 1000 * (await scrapeMetric(metricsPort, "nodejs_eventloop_lag_max_seconds").catch(() => NaN));
  const ownLoopDelay = monitorEventLoopDelay({ resolution: 10 });
  let clients: LoadClient[] = [];
  try {
    const ignore: LineSink = { onChat: () => undefined, onOther: () => undefined };
    const { clients: users, seconds: loginSeconds } = await loginAll([server.port], userCount, 200, () => ignore, adversarialName, "tcp");
    const pings = new LatencyHistogram();
    let late = 0;
    const unanswered = Array.from({ length: probeCount }, (): number[] => []);
    const probes = await loginAll([server.port], probeCount, probeCount, (p) => ({
      onChat: () => undefined,
      onOther: (line) => {
        if (line !== "PONG") return;
        const roundTripUs = nowUs() - unanswered[p]!.shift()!;
        pings.record(roundTripUs);
        if (roundTripUs > 50_000) late++;
      },
    }), (p) => `p${p}`, "tcp");
    const masks = whoMasks(longestMask);
    let attacking = true;
    let whoSent = 0;
    let whoAnswered = 0;
    const sendWho = (attacker: LoadClient): void => attacker.write(`WHO ${masks[whoSent++ % masks.length]}\r\n`);
    const attackers = await loginAll([ircPort], attackerCount, attackerCount, (a) => ({
      onChat: () => undefined,
      onOther: (line) => {
        if (!/^:\S+ 315 /.test(line) || !attacking) return;
        whoAnswered++;
        sendWho(attackers.clients[a]!);
      },
    }), (a) => `w${a}`, "irc");
    clients = [...users, ...probes.clients, ...attackers.clients];
    await serverLoopDelayMs();
    ownLoopDelay.enable();
    const loggedIn = server.usage();
    const runQueueStart = server.runQueueSeconds();

    let pingsSent = 0;
    const pinger = setInterval(() => {
      const p = pingsSent++ % probeCount;
      unanswered[p]!.push(nowUs());
      probes.clients[p]!.send("PING");
    }, 10);
    for (const attacker of attackers.clients) for (let i = 0; i < pipeline; i++) sendWho(attacker);
    await sleep(durationS * 1000);
    clearInterval(pinger);
    attacking = false;
    const end = server.usage();
    const runQueueMs = 1000 * (server.runQueueSeconds() - runQueueStart);
    ownLoopDelay.disable();
    const serverDelayMs = await serverLoopDelayMs();
    // The PONGs still on their way get a second, no more: a stuck server would never send them.
    for (const waitUntil = performance.now() + 1000; unanswered.some((times) => times.length > 0) && performance.now() < waitUntil; ) await sleep(10);
    const stillUnanswered = unanswered.flat();
    const usersDropped = users.filter((user) => user.closed).length;

    console.log(
      `\n== who-attack: ${userCount} users online over TCP (32-character names: a's, then what tells them apart), ` +
        `${attackerCount} IRC users sending WHO as fast as the default flood budget lets them, for ${durationS} s`,
    );
    const longestSent = Math.max(...masks.map((mask) => mask.length));
    console.log(`  logins: ${userCount} in ${loginSeconds.toFixed(2)} s; masks: ${masks.length} in turn, 1 to ${longestSent} bytes${longestMask >= MATCHED_MASK ? ", every other one `*` and 63 `a`s" : ""}`);
    console.log(`  WHOs answered: ${whoAnswered} (${(whoAnswered / durationS).toFixed(1)}/s; ${pipeline} kept waiting per attacker, ${whoSent} sent)`);
    console.log(
      `  PING, one every 10 ms from ${probeCount} users over TCP: sent ${pingsSent}, answered ${pings.count}, ${pings.count - late} of them within 50 ms; ` +
        `round trip ${pings.summary()}`,
    );
    console.log(
      `  longest event-loop delay: the server's ${Number.isNaN(serverDelayMs) ? "(no answer from /metrics within 2 s)" : `${serverDelayMs.toFixed(1)} ms`}, ` +
        `the load generator's ${(ownLoopDelay.max / 1e6).toFixed(1)} ms; the server waited ${runQueueMs.toFixed(0)} ms in all for its core (other processes had it)`,
    );
    if (stillUnanswered.length > 0) {
      console.log(`  UNANSWERED ${stillUnanswered.length} PINGs, the oldest sent ${((nowUs() - Math.min(...stillUnanswered)) / 1e6).toFixed(1)} s ago`);
    }
    console.log(
      `  server: CPU ${cpuPercent({ start: loggedIn, end, seconds: durationS })} of a core ` +
        `(${whoAnswered > 0 ? ((1000 * (end.cpuSeconds - loggedIn.cpuSeconds)) / whoAnswered).toFixed(2) : "-"} ms a WHO answered, PINGs included); ` +
        `RSS logged in ${megabytes(loggedIn.rssBytes)}, at the end ${megabytes(end.rssBytes)}; users dropped ${usersDropped}`,
    );
    const stopped = await server.stop(5000);
    if (stopped.killed) console.log("  the server did not exit within 5 s of SIGTERM (its event loop still busy): killed");
  } finally {
    server.kill();
    for (const client of clients) client.close();
  }
}

/**
 * Two nodes on one Redis, clients split between them: what clustering costs
 * against one node. Both nodes share the server's CPU; Redis shares the load
 * generator's (a 2-core machine has no third).
 */
async function clusterFleet(pinning: Pinning): Promise<Fleet> {
  const redis = await RedisServer.start(pinning.client === null ? {} : { cpus: pinning.client });
  const nodes = await Promise.all(["a", "b"].map(async (id) => (await startServer(pinning, ["--redis", redis.url, "--node-id", id])).process));
  return {
    ports: nodes.map((node) => node.port),
    parts: [
      ...nodes.map((node, i) => ({ label: `node ${"ab"[i]}`, server: true, usage: () => node.usage() })),
      { label: "redis", server: false, usage: () => processUsage(redis.pid!) },
    ],
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      await redis.stop();
    },
  };
}

/** Accounts the sign-in scenario signs in to in turn while measuring a sign-in's cost (one at a time each: a name has one session). */
const TURN_ACCOUNTS = 64;
/** Accounts that arrive during the fan-out runs, each once, and stay. */
const ARRIVING_ACCOUNTS = 600;

/** A line's answer on a fresh TCP connection: connects, sends `line`, resolves with the client and the first line back. */
async function answered(port: number, line: string): Promise<{ client: LineClient; answer: string }> {
  const client = await LineClient.connect(port);
  const answer = await new Promise<string>((resolve) => {
    client.onLine = resolve;
    client.onClose = () => resolve("closed");
    client.send(line);
  });
  client.onLine = () => undefined;
  return { client, answer };
}

/** Says QUIT and waits for the server to close the connection. */
function quit(client: LineClient): Promise<void> {
  return new Promise<void>((resolve) => {
    client.onClose = resolve;
    if (client.closed) resolve();
    else client.send("QUIT");
  });
}

/**
 * Password sign-ins (`LOGIN <account> <password>`) at `perSecond` (or, for
 * Infinity, as fast as `inFlight` connections at once allow). `turns`: the
 * TURN_ACCOUNTS accounts, each signed in by one connection at a time, which
 * QUITs once answered; else the arriving accounts, each once, staying
 * online (an arrival costs the others nothing on the line protocol, which
 * announces no logins) until `close`.
 */
function signInLoad(port: number, perSecond: number, inFlight: number, turns: boolean): { start(): void; stop(): Promise<string>; close(): void } {
  const free = Array.from({ length: turns ? TURN_ACCOUNTS : ARRIVING_ACCOUNTS }, (_, i) => i);
  const account = (index: number): string => (turns ? `acct${index} password-${index}` : `arriving${index} password-${index}`);
  const online: LineClient[] = [];
  let running = 0;
  let done = 0;
  let refused = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let started = 0;
  const latency = new LatencyHistogram();
  const pending = new Set<Promise<void>>();
  const one = (): void => {
    if (running >= inFlight || free.length === 0) return;
    const index = free.shift()!;
    running++;
    const sentUs = nowUs();
    const work = answered(port, `LOGIN ${account(index)}`).then(async ({ client, answer }) => {
      if (answer === "OK") {
        done++;
        latency.record(nowUs() - sentUs);
      } else {
        refused++;
      }
      if (turns) {
        await quit(client);
        free.push(index);
      } else {
        online.push(client);
      }
      running--;
      pending.delete(work);
      if (!stopped && !Number.isFinite(perSecond)) one();
    });
    pending.add(work);
  };
  return {
    start() {
      started = performance.now();
      if (Number.isFinite(perSecond)) timer = setInterval(one, 1000 / perSecond);
      else for (let i = 0; i < inFlight; i++) one();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(pending);
      return `${done} password sign-ins in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(1)}/s), ${refused} refused; sign-in latency ${latency.summary()}`;
    },
    close() {
      for (const client of online.splice(0)) client.close();
    },
  };
}

/**
 * Accounts: what a password sign-in costs the server (CPU, hashing
 * included: argon2 runs on the server's thread pool, on the server's core
 * here), the most it sustains, and fan-out latency for 1000 readers quiet,
 * with sign-ins arriving at 10 a second, and at half the most, in one run.
 */
async function signIns(pinning: Pinning): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-accounts-"));
  const args = ["--data-dir", dataDir];
  try {
    const setup = await startServer(pinning, args, false, "tcp");
    const port = setup.clientPort;
    const names = [
      ...Array.from({ length: TURN_ACCOUNTS }, (_, i) => `acct${i} password-${i}`),
      ...Array.from({ length: ARRIVING_ACCOUNTS }, (_, i) => `arriving${i} password-${i}`),
    ];
    for (let at = 0; at < names.length; at += 32) {
      const answers = await Promise.all(names.slice(at, at + 32).map((name) => answered(port, `REGISTER ${name}`)));
      await Promise.all(answers.map(({ client }) => quit(client)));
      const wrong = answers.find(({ answer }) => answer !== "OK");
      if (wrong !== undefined) throw new Error(`REGISTER: ${wrong.answer}`);
    }

    console.log(`\n== signins: argon2id m=19 MiB t=2 p=1, 2 hashes at once; the server on one core`);
    const before = setup.process.usage();
    const serial = signInLoad(port, Infinity, 1, true);
    serial.start();
    await sleep(5000);
    const serialSaid = await serial.stop();
    const serialDone = Number(serialSaid.split(" ")[0]);
    const cpu = setup.process.usage().cpuSeconds - before.cpuSeconds;
    console.log(`  one at a time: ${serialSaid}`);
    console.log(`  server CPU a sign-in (connect, LOGIN with a password, QUIT; hash included): ${((1000 * cpu) / serialDone).toFixed(1)} ms`);
    const flat = signInLoad(port, Infinity, 32, true);
    flat.start();
    await sleep(5000);
    const flatSaid = await flat.stop();
    const most = Number(/\(([\d.]+)\/s\)/.exec(flatSaid)?.[1] ?? 0);
    console.log(`  32 at once: ${flatSaid}`);
    await setup.process.stop();

    const run = { clients: numberFlag("clients", 1000), senders: numberFlag("senders", 10), rate: numberFlag("rate", 1000), durationS: numberFlag("duration", 10) };
    for (const [label, perSecond] of [["quiet", 0], ["10 sign-ins a second", 10], [`half the most, ${(most / 2).toFixed(0)} sign-ins a second`, most / 2]] as const) {
      const server = await startServer(pinning, args, false, "tcp");
      const alongside = perSecond === 0 ? undefined : signInLoad(server.clientPort, perSecond, 32, false);
      try {
        await chat(`signins: fanout, ${label}`, { ...run, ...(alongside !== undefined && { alongside }) }, fleetOf(server));
      } finally {
        alongside?.close();
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const pinning = pinProcesses(!flags["no-pin"]);
  const scenarios = positionals.length > 0 ? positionals : ["fanout", "capacity", "smallroom", "overload"];
  console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}`);
  console.log(
    pinning.server === null
      ? "not pinned: server and load generator share the cores"
      : `server pinned to CPU ${pinning.server}, load generator to CPU ${pinning.client}`,
  );
  const roots = flags.against === undefined ? [undefined] : [flags.against, undefined];
  for (const scenario of scenarios) {
    for (const [i, root] of roots.entries()) {
      // 10000 sockets left in TIME_WAIT by a capacity run make the next one's logins slower.
      if (scenario === "capacity" && i > 0) await sleep(60_000);
      serverRoot = root;
      if (flags.against !== undefined) console.log(`\n-- ${scenario} on the build in ${root ?? "this checkout"}`);
      await runScenario(scenario, pinning);
    }
  }
}

async function runScenario(scenario: string, pinning: Pinning): Promise<void> {
  switch (scenario) {
    case "fanout":
      await chat("fanout", {
        clients: numberFlag("clients", 1000),
        senders: numberFlag("senders", 10),
        rate: numberFlag("rate", 1000),
        durationS: numberFlag("duration", 5),
      }, fleetOf(await startServer(pinning, [])));
      break;
    case "capacity":
      await capacity(numberFlag("clients", 10_000), numberFlag("in-flight", 200), pinning);
      break;
    case "smallroom":
      await chat("smallroom", {
        clients: numberFlag("clients", 50),
        senders: numberFlag("senders", 10),
        rate: numberFlag("rate", 200),
        durationS: numberFlag("duration", 10),
      }, fleetOf(await startServer(pinning, [])));
      break;
    case "overload":
      await chat("overload", {
        clients: numberFlag("clients", 1000),
        senders: numberFlag("senders", 10),
        rate: numberFlag("rate", 20_000),
        durationS: numberFlag("duration", 5),
        ping: true,
      }, fleetOf(await startServer(pinning, [])));
      break;
    case "resume":
    case "resume-baseline": {
      const clients = numberFlag("clients", 1000);
      await chat(scenario === "resume" ? "resume (10% of the receivers drop and resume)" : "resume-baseline (the same, nobody drops)", {
        clients,
        senders: numberFlag("senders", 10),
        rate: numberFlag("rate", 1000),
        durationS: numberFlag("duration", 20),
        resumers: { count: Math.round(clients / 10), everyMs: scenario === "resume" ? 3000 : Infinity },
      }, fleetOf(await startServer(pinning, [])));
      break;
    }
    case "cluster-resume": {
      const clients = numberFlag("clients", 1000);
      await chat("cluster-resume (2 nodes; 10% of the receivers drop and resume on the other node)", {
        clients,
        senders: numberFlag("senders", 10),
        rate: numberFlag("rate", 1000),
        durationS: numberFlag("duration", 20),
        resumers: { count: Math.round(clients / 10), everyMs: 3000 },
      }, await clusterFleet(pinning));
      break;
    }
    case "amplification":
      await amplification(numberFlag("clients", 1000), numberFlag("senders", 100), 10, pinning);
      break;
    case "who-attack":
      await whoAttack(numberFlag("clients", 1000), numberFlag("senders", 10), numberFlag("max-mask", LONGEST_MASK), numberFlag("duration", 20), pinning);
      break;
    case "signins":
      await signIns(pinning);
      break;
    case "cluster":
      await chat("cluster (2 nodes, 1 Redis)", {
        clients: numberFlag("clients", 1000),
        senders: numberFlag("senders", 10),
        rate: numberFlag("rate", 1000),
        durationS: numberFlag("duration", 5),
      }, await clusterFleet(pinning));
      break;
    default:
      throw new Error(`unknown scenario "${scenario}" (fanout, capacity, smallroom, overload, amplification, cluster, resume, resume-baseline, cluster-resume, who-attack, signins)`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

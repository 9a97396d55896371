import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/testing/redis-server";
import { CliProcess } from "../support/cli-process";
import { TcpClient } from "../support/tcp-client";

const running: CliProcess[] = [];

function start(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string): CliProcess {
  const cli = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", ...args], env, cwd);
  running.push(cli);
  return cli;
}

afterEach(() => {
  for (const cli of running.splice(0)) cli.kill("SIGKILL");
});

/** The lines that came before the answer to a PING sent earlier (it tells when a turn's lines have all gone out). */
async function linesBeforePong(client: TcpClient): Promise<string[]> {
  const lines: string[] = [];
  for (let line = await client.readLine(); line !== "PONG"; line = await client.readLine()) lines.push(line);
  return lines;
}

/** Proves that nothing else came before: the next line is the answer to a PING. */
async function nothingMore(client: TcpClient): Promise<void> {
  client.send("PING");
  expect(await client.readLine()).toBe("PONG");
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "chat-cli-"));
}

describe("chat-server, the command", () => {
  it("serves the default plugins and logs JSON: connections, logins, no message text", async () => {
    const cli = start([]);
    const port = await cli.port();
    const alice = await TcpClient.login(port, "alice");
    const bob = await TcpClient.login(port, "bob");
    alice.send("MSG a secret");
    expect(await bob.readLine()).toBe("MSG alice a secret");
    alice.send("QUIT");
    await alice.readUntilClosed();
    expect(await bob.readLine()).toBe("INFO alice disconnected");
    bob.close();

    expect((await cli.waitForLog("ready")).plugins).toEqual(["login", "msg", "who", "dm", "ping", "quit", "resume", "rename", "accounts"]);
    await cli.waitForLog("connection closed");
    const messages = cli.logs().map((entry) => entry.msg);
    expect(messages).toEqual(expect.arrayContaining(["listening", "ready", "connection opened", "login", "connection closed"]));
    expect(JSON.stringify(cli.logs())).not.toContain("a secret");
  });

  it.each(["SIGTERM", "SIGINT"] as const)("on %s tells every client INFO server-shutdown and exits 0", async (signal) => {
    const cli = start([]);
    const port = await cli.port();
    const alice = await TcpClient.login(port, "alice");
    const stranger = await TcpClient.connect(port);
    cli.kill(signal);
    expect(await alice.readUntilClosed()).toEqual(["INFO server-shutdown"]);
    expect(await stranger.readUntilClosed()).toEqual(["INFO server-shutdown"]);
    expect((await cli.exited).code).toBe(0);
  });

  it("exits 0 within 5 s of SIGTERM though a connection does not close, and a second signal changes nothing", async () => {
    const cli = start(["--max-send-queue", String(64 * 1024 * 1024), "--rate-limit", "0"]);
    const port = await cli.port();
    const stuck = await TcpClient.login(port, "stuck");
    stuck.stopReading(); // neither reads nor closes: the server cannot finish closing it
    const sender = await TcpClient.login(port, "sender");
    await sender.write(`MSG ${"z".repeat(4000)}\n`.repeat(2000)); // 8 MB: more than loopback buffers take
    sender.send("PING");
    expect(await sender.readLine()).toBe("PONG");

    const signalled = Date.now();
    cli.kill("SIGTERM");
    await cli.waitForLog("stopping");
    cli.kill("SIGTERM");
    cli.kill("SIGINT");
    expect(await sender.readUntilClosed()).toEqual(["INFO server-shutdown"]);
    const exit = await cli.exited;
    const elapsed = Date.now() - signalled;
    expect([exit.code, exit.signal]).toEqual([0, null]);
    expect(elapsed).toBeLessThan(5000);
    // The stuck connection held the shutdown up until it was dropped, and the
    // signals that came meanwhile neither started another shutdown nor cut this one short.
    expect(elapsed).toBeGreaterThan(1500);
    const logs = cli.logs().map((log) => log.msg);
    expect(logs.filter((msg) => msg === "stopping")).toHaveLength(1);
    expect(logs.filter((msg) => msg === "stopped")).toHaveLength(1);
  }, 15_000);

  it("shuts down under load: thousands of connections, some with full send queues", async () => {
    const cli = start(["--max-send-queue", String(64 * 1024 * 1024), "--rate-limit", "0"]);
    const port = await cli.port();
    const idle = await Promise.all(
      Array.from({ length: 2000 }, async () => {
        const client = await TcpClient.connect(port);
        client.send("PING");
        expect(await client.readLine()).toBe("PONG");
        return client;
      }),
    );
    const sleepers = await Promise.all(Array.from({ length: 20 }, (_, i) => TcpClient.login(port, `sleeper${i}`)));
    for (const sleeper of sleepers) sleeper.stopReading();
    const sender = await TcpClient.login(port, "sender");
    const line = `MSG ${"z".repeat(4000)}\n`;
    await sender.write(line.repeat(1000)); // 4 MB to each sleeper: more than loopback buffers take
    sender.send("PING");
    expect(await sender.readLine()).toBe("PONG");

    cli.kill("SIGTERM");
    const farewells = await Promise.all(idle.map((client) => client.readUntilClosed()));
    expect(new Set(farewells.map((lines) => lines.join("|")))).toEqual(new Set(["INFO server-shutdown"]));
    expect((await cli.exited).code).toBe(0);
  }, 30_000);

  it("enables only the plugins given with --plugins", async () => {
    const cli = start(["--plugins", "login, ping"]);
    const port = await cli.port();
    const alice = await TcpClient.login(port, "alice");
    alice.send("MSG hi");
    alice.send("PING");
    expect(await alice.readLines(2)).toEqual(["ERR unknown-command MSG", "PONG"]);
  });

  it("reads the plugin list from --config, or from plugins.config.json in the working directory", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "plugins.config.json"), JSON.stringify({ plugins: ["ping"] }));
    const fromCwd = start([], {}, dir);
    expect((await fromCwd.waitForLog("ready")).plugins).toEqual(["ping"]);
    const other = join(dir, "other.json");
    writeFileSync(other, JSON.stringify({ plugins: ["login", "who"] }));
    const fromFlag = start(["--config", other]);
    expect((await fromFlag.waitForLog("ready")).plugins).toEqual(["login", "who"]);
  });

  it("honours --idle-timeout and --max-line-bytes", async () => {
    const cli = start(["--idle-timeout", "0.3", "--max-line-bytes", "64"]);
    const port = await cli.port();
    const client = await TcpClient.connect(port);
    client.send(`MSG ${"x".repeat(61)}`);
    expect(await client.readUntilClosed()).toEqual(["ERR line-too-long", "ERR idle-timeout"]);
  });

  describe("honours the protection flags", () => {
    it("--max-connections: the connection past it is told ERR server-full", async () => {
      const cli = start(["--max-connections", "2"]);
      const port = await cli.port();
      const alice = await TcpClient.login(port, "alice");
      await TcpClient.connect(port);
      const third = await TcpClient.connect(port);
      expect(await third.readUntilClosed()).toEqual(["ERR server-full"]);
      await nothingMore(alice);
    });

    it("--rate-burst and --rate-limit: a burst of lines answered at once, the next ones at the rate", async () => {
      const cli = start(["--rate-burst", "3", "--rate-limit", "1"]);
      const port = await cli.port();
      const client = await TcpClient.connect(port);
      const sent = Date.now();
      await client.write("PING\n".repeat(5));
      const answeredAt: number[] = [];
      for (let i = 0; i < 5; i++) {
        expect(await client.readLine()).toBe("PONG");
        answeredAt.push(Date.now() - sent);
      }
      // Three at once, then one a second. The lower bounds hold on any machine
      // (the server cannot answer before the budget allows); the upper ones
      // leave room for a slow one. The defaults (20, 10/s) would answer all
      // five at once, a burst of 2 would make the third wait, a rate of 2/s
      // would halve the waits.
      expect(answeredAt[2]).toBeLessThan(900);
      expect(answeredAt[3]).toBeGreaterThanOrEqual(950);
      expect(answeredAt[3]).toBeLessThan(1900);
      expect(answeredAt[4]).toBeGreaterThanOrEqual(1950);
      expect(answeredAt[4]).toBeLessThan(2900);
    });

    it("--max-send-queue: a client that does not read is dropped once that much output waits for it", async () => {
      const limit = 100_000; // a tenth of the default
      const cli = start(["--max-send-queue", String(limit), "--max-line-bytes", "65536", "--rate-limit", "0"]);
      const port = await cli.port();
      const sleeper = await TcpClient.login(port, "sleeper");
      sleeper.stopReading();
      const watcher = await TcpClient.login(port, "watcher");
      const sender = await TcpClient.login(port, "sender");
      const text = "q".repeat(60_000);
      const short = (lines: string[]): string[] => lines.map((line) => line.replace(text, "<60000 q>"));
      // One line per event-loop turn of the server, so that the queue grows a
      // line at a time once the kernel's buffers, whatever their size, are full.
      let sent = 0;
      let toSender: string[] = [];
      let toWatcher: string[] = [];
      while (sent < 2000 && toSender.length === 0) {
        await sender.write(`MSG ${text}\nPING\n`);
        sent++;
        toSender = await linesBeforePong(sender);
        watcher.send("PING");
        toWatcher = short(await linesBeforePong(watcher));
        if (toSender.length === 0) expect(toWatcher).toEqual(["MSG sender <60000 q>"]);
      }
      expect(toSender).toEqual(["INFO sleeper disconnected"]);
      expect(toWatcher).toEqual(["MSG sender <60000 q>", "INFO sleeper disconnected"]);
      const dropped = await cli.waitForLog("send queue exceeded");
      expect(dropped.user).toBe("sleeper");
      // Dropped before the line that would have taken it over the limit: the flag's value, not the default 1 MiB, is the limit.
      expect(dropped.line).toBe(Buffer.byteLength(`MSG sender ${text}\n`));
      expect(dropped.pending).toBeLessThanOrEqual(limit);
      expect(Number(dropped.pending) + Number(dropped.line)).toBeGreaterThan(limit);
      // What the kernel held, then why it was dropped (to a client that reads within the 2 s linger).
      sleeper.startReading();
      expect((await sleeper.readUntilClosed()).at(-1)).toBe("ERR send-queue-exceeded");
      expect((await cli.waitForLog("connection closed", { user: "sleeper" })).reason).toBe("send-queue");
    });

    it("--max-per-ip with --no-exempt-loopback: the connection past it from one loopback address is told ERR too-many-connections", async () => {
      const port = await start(["--no-exempt-loopback", "--max-per-ip", "2"]).port();
      await TcpClient.connect(port, "127.0.0.1", "127.0.0.2");
      await TcpClient.connect(port, "127.0.0.1", "127.0.0.2");
      const third = await TcpClient.connect(port, "127.0.0.1", "127.0.0.2");
      expect(await third.readUntilClosed()).toEqual(["ERR too-many-connections"]);
    });
  });

  it("takes the port from PORT when --port is not given", async () => {
    const free = await freePort();
    const cli = CliProcess.spawn(["--host", "127.0.0.1"], { PORT: String(free) });
    running.push(cli);
    expect(await cli.port()).toBe(free);
  });

  it("serves the web client on WEB_PORT when --web-port is not given", async () => {
    const free = await freePort();
    const cli = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1"], { WEB_PORT: String(free) });
    running.push(cli);
    expect(await cli.port("web")).toBe(free);
    const page = await fetch(`http://127.0.0.1:${free}/`);
    expect([page.status, page.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
  });

  describe("refuses to start, with one line naming the culprit", () => {
    it("when the port is in use (exit 1)", async () => {
      const holder = net.createServer();
      await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
      const port = (holder.address() as net.AddressInfo).port;
      try {
        const exit = await CliProcess.run(["--port", String(port), "--host", "127.0.0.1"]);
        expect(exit.code).toBe(1);
        expect(exit.stderr).toBe(`chat-server: 127.0.0.1:${port} is already in use\n`);
      } finally {
        holder.close();
      }
    });

    it.each<[string, string[], number, string]>([
      ["a bad number", ["--idle-timeout", "soon"], 2, '--idle-timeout must be a number from 0 to 86400, got "soon"'],
      ["a port out of range", ["--port", "65536"], 2, '--port must be a whole number from 0 to 65535, got "65536"'],
      ["a tiny line limit", ["--max-line-bytes", "8"], 2, '--max-line-bytes must be a whole number from 64 to 1048576, got "8"'],
      ["a negative rate", ["--rate-limit", "-1"], 2, '--rate-limit must be a number from 0 to 1000000, got "-1"'],
      ["a fractional burst", ["--rate-burst", "2.5"], 2, '--rate-burst must be a whole number from 0 to 1000000, got "2.5"'],
      [
        "a send queue smaller than a line",
        ["--max-send-queue", "2000"],
        2,
        "--max-send-queue must be at least --max-line-bytes + 64 (4160), so that one line fits",
      ],
      ["an unknown flag", ["--prot", "4000"], 2, "Unknown argument: prot"],
      [
        "an unknown log level",
        ["--log-level", "loud"],
        2,
        'Invalid values: Argument: log-level, Given: "loud", Choices: "fatal", "error", "warn", "info", "debug", "trace", "silent"',
      ],
      [
        "an unknown plugin",
        ["--plugins", "login,nope"],
        1,
        `plugin "nope": no such plugin: not a built-in one (login, msg, who, dm, ping, quit, rooms, history, resume, rename, accounts), nor a package installed in ${process.cwd()}`,
      ],
      ["a missing dependency", ["--plugins", "msg"], 1, 'plugin "msg": depends on "login", which is not loaded'],
      ["a missing config file", ["--config", "/nonexistent/chat.json"], 1, "cannot read /nonexistent/chat.json: no such file"],
    ])("for %s", async (_case, args, code, message) => {
      const exit = await CliProcess.run(args);
      expect(exit.code).toBe(code);
      expect(exit.stderr).toBe(`chat-server: ${message}\n`);
    });

    it("for a bad PORT variable", async () => {
      const exit = await CliProcess.run([], { PORT: "http" });
      expect(exit.code).toBe(2);
      expect(exit.stderr).toBe('chat-server: PORT must be a whole number from 0 to 65535, got "http"\n');
    });

    it("for a config file that is not JSON", async () => {
      const file = join(tempDir(), "broken.json");
      writeFileSync(file, "{ plugins: [");
      const exit = await CliProcess.run(["--config", file]);
      expect(exit.code).toBe(1);
      expect(exit.stderr).toMatch(new RegExp(`^chat-server: ${file}: not valid JSON \\(.+\\)\\n$`));
    });
  });

  /**
   * Every flag of the command, with the default `--help` shows for it (null:
   * it shows none). The tests below read the flags from `--help` itself, so
   * a flag added without a line here fails them.
   */
  const FLAGS: Record<string, string | null> = {
    "--port": null,
    "--host": null,
    "--idle-timeout": '"60"',
    "--max-line-bytes": '"4096"',
    "--rate-limit": '"10"',
    "--rate-burst": '"20"',
    "--max-send-queue": '"1048576"',
    "--max-connections": '"10000"',
    "--max-per-ip": '"100"',
    "--connect-rate": '"10"',
    "--connect-burst": '"50"',
    "--max-rooms-per-user": '"100"',
    "--max-rooms": '"10000"',
    "--exempt-loopback": "true",
    "--resume-grace": '"30"',
    "--resume-buffer": '"262144"',
    "--plugins": null,
    "--config": null,
    "--tls-cert": null,
    "--tls-key": null,
    "--tls-port": null,
    "--web-port": null,
    "--web-host": null,
    "--web-origins": null,
    "--trust-proxy": null,
    "--irc-port": null,
    "--irc-tls-port": null,
    "--server-name": null,
    "--irc-lobby": '"#lobby"',
    "--irc-join-lobby": '"on"',
    "--metrics-port": null,
    "--metrics-host": null,
    "--redis": null,
    "--redis-lease": '"10"',
    "--node-id": null,
    "--data-dir": '"data"',
    "--database": '"sqlite"',
    "--registration": '"open"',
    "--guests": '"on"',
    "--plain-passwords": "false",
    "--log-level": '"info"',
    "--log-pretty": "false",
    "--help": null,
    "--version": null,
  };

  let helpRead: Promise<Map<string, string>> | undefined;
  /** Each flag `--help` lists, with the text that describes it (run once for the tests that need it). */
  function helpEntries(): Promise<Map<string, string>> {
    return (helpRead ??= readHelp());
  }

  async function readHelp(): Promise<Map<string, string>> {
    const help = await CliProcess.run(["--help"]);
    expect(help.code).toBe(0);
    // An entry starts at the left margin ("  -h, --help" or "      --port");
    // a flag named inside a description is indented further.
    const starts = [...help.stdout.matchAll(/^ {2}(?:-\w, | {4})(--[\w-]+)/gm)];
    return new Map(
      starts.map((start, i) => [start[1]!, help.stdout.slice(start.index, starts[i + 1]?.index ?? help.stdout.length)]),
    );
  }

  it("prints its version and a help that lists every flag, with its default", async () => {
    const version = await CliProcess.run(["--version"]);
    expect(version.stdout).toBe(`${(require("../../package.json") as { version: string }).version}\n`);
    const entries = await helpEntries();
    expect([...entries.keys()].sort()).toEqual(Object.keys(FLAGS).sort());
    for (const [flag, entry] of entries) {
      const shown = /\[default: ([^\]]+)\]/.exec(entry.replace(/\s+/g, " "))?.[1] ?? null;
      expect([flag, shown]).toEqual([flag, FLAGS[flag]]);
    }
  });

  it("is documented in the README, every flag of its help", async () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    for (const flag of (await helpEntries()).keys()) {
      expect([flag, readme.includes(`\`${flag} `) || readme.includes(`\`${flag}\``)]).toEqual([flag, true]);
    }
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
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

    expect((await cli.waitForLog("ready")).plugins).toEqual(["login", "msg", "who", "dm", "ping", "quit"]);
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

  it("honours the protection flags", async () => {
    const cli = start(["--max-connections", "2", "--rate-limit", "1000", "--rate-burst", "1", "--max-send-queue", "5000"]);
    const port = await cli.port();
    const alice = await TcpClient.login(port, "alice");
    const bob = await TcpClient.connect(port);
    const third = await TcpClient.connect(port);
    expect(await third.readUntilClosed()).toEqual(["ERR server-full"]);
    await bob.write("PING\nPING\nPING\n");
    expect(await bob.readLines(3)).toEqual(["PONG", "PONG", "PONG"]);
    alice.close();
  });

  it("takes the port from PORT when --port is not given", async () => {
    const free = await freePort();
    const cli = CliProcess.spawn(["--host", "127.0.0.1"], { PORT: String(free) });
    running.push(cli);
    expect(await cli.port()).toBe(free);
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
        `plugin "nope": no such plugin: not a built-in one (login, msg, who, dm, ping, quit, rooms, history), nor a package installed in ${process.cwd()}`,
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

  it("prints its version and a help that lists every flag", async () => {
    const version = await CliProcess.run(["--version"]);
    expect(version.stdout).toBe(`${(require("../../package.json") as { version: string }).version}\n`);
    const help = await CliProcess.run(["--help"]);
    expect(help.code).toBe(0);
    const flags = ["--port", "--host", "--idle-timeout", "--plugins", "--config", "--max-line-bytes", "--log-level"];
    const limits = ["--rate-limit", "--rate-burst", "--max-send-queue", "--max-connections", "--max-per-ip"];
    for (const flag of [...flags, ...limits, "--help", "--version"]) {
      expect(help.stdout).toContain(flag);
    }
  });
});

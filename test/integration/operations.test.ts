import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "../../src/composition-root";
import { FakeClock } from "../../src/testing/fake-clock";
import { InMemoryTransport } from "../../src/testing/in-memory-transport";
import { RecordingLogger } from "../../src/testing/recording-logger";
import { settle } from "../../src/testing/test-server";
import { selfSignedCertificate, type Certificate } from "../support/certificates";
import { CliProcess } from "../support/cli-process";
import { TcpClient } from "../support/tcp-client";

const running: CliProcess[] = [];
afterEach(() => running.splice(0).forEach((cli) => cli.kill("SIGKILL")));

function start(args: string[]): CliProcess {
  const cli = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", ...args]);
  running.push(cli);
  return cli;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function get(port: number, path: string): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text(), type: response.headers.get("content-type") };
}

describe("metrics", () => {
  it("serves the Prometheus counts of what happened, and a health check", async () => {
    const cli = start(["--metrics-port", "0"]);
    const port = await cli.port("tcp");
    const metricsPort = await cli.port("metrics");
    const alice = await TcpClient.login(port, "alice");
    const bob = await TcpClient.login(port, "bob");
    alice.send("MSG hello");
    expect(await bob.readLine()).toBe("MSG alice hello");
    bob.send("QUIT");
    expect(await bob.readUntilClosed()).toEqual(["INFO bye"]);
    expect(await alice.readLine()).toBe("INFO bob disconnected");

    const { status, body, type } = await get(metricsPort, "/metrics");
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = body.split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "chat_connections 1",
        "chat_users 1",
        "chat_lines_received_total 4", // LOGIN, LOGIN, MSG, QUIT
        "chat_lines_delivered_total 5", // OK, OK, MSG to bob, INFO bye, INFO to alice
        'chat_disconnects_total{reason="quit"} 1',
        'chat_command_duration_seconds_count{verb="LOGIN"} 2',
        'chat_command_duration_seconds_count{verb="MSG"} 1',
      ]),
    );
    expect(body).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds [\d.e-]+$/m);

    expect(await get(metricsPort, "/healthz")).toEqual({
      status: 200,
      body: '{"status":"ok","connections":1}',
      type: "application/json",
    });
    expect((await get(metricsPort, "/other")).status).toBe(404);
  });

  it("answers /healthz 503 while the server is stopping", async () => {
    // The real metrics endpoint over HTTP; connections in memory and a clock
    // moved by hand, so that the shutdown lasts exactly as long as the test wants.
    const clock = new FakeClock();
    const transport = new InMemoryTransport();
    const app = await build(
      { metrics: { port: 0, host: "127.0.0.1" } },
      { clock, logger: new RecordingLogger(), transports: [transport] },
    );
    await app.start();
    const stop = (): Promise<void> => app.stop({ graceMs: 3000 });
    try {
      const metricsPort = app.metricsAddress!.port;
      const reader = transport.connect();
      const stuck = transport.connect();
      stuck.stopReading(); // its close cannot complete: the shutdown waits for the grace period
      expect(await get(metricsPort, "/healthz")).toEqual({ status: 200, body: '{"status":"ok","connections":2}', type: "application/json" });

      const stopping = stop();
      await settle();
      expect(reader.closedByServer).toBe(true);
      expect(await get(metricsPort, "/healthz")).toEqual({
        status: 503,
        body: '{"status":"stopping","connections":1}',
        type: "application/json",
      });
      clock.advance(3000);
      await stopping;
      await expect(get(metricsPort, "/healthz")).rejects.toThrow(); // the metrics port is closed once stopped
    } finally {
      const finished = stop(); // the same shutdown, if it has begun already
      clock.advance(3000);
      await finished;
    }
  });

  it("is off by default", async () => {
    const cli = start([]);
    await cli.waitForLog("ready");
    expect(cli.logs().filter((log) => log.msg === "listening").map((log) => log.transport)).toEqual(["tcp"]);
  });
});

describe("TLS", () => {
  let first: Certificate;
  let second: Certificate;
  beforeAll(() => {
    first = selfSignedCertificate();
    second = selfSignedCertificate();
  });

  it("serves the protocol over TLS beside plain TCP, and SIGHUP swaps the certificate without dropping anyone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-tls-live-"));
    const certFile = join(dir, "cert.pem");
    const keyFile = join(dir, "key.pem");
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    const cli = start(["--tls-cert", certFile, "--tls-key", keyFile, "--tls-port", "0"]);
    const plainPort = await cli.port("tcp");
    const tlsPort = await cli.port("tls");

    const alice = await TcpClient.connectTls(tlsPort, first.pem);
    expect(alice.certificateFingerprint).toBe(first.fingerprint);
    alice.send("LOGIN alice");
    expect(await alice.readLine()).toBe("OK");
    const bob = await TcpClient.login(plainPort, "bob");
    bob.send("MSG over plain TCP");
    expect(await alice.readLine()).toBe("MSG bob over plain TCP");

    copyFileSync(second.certFile, certFile);
    copyFileSync(second.keyFile, keyFile);
    cli.kill("SIGHUP");
    await cli.waitForLog("reloaded");
    const carol = await TcpClient.connectTls(tlsPort, second.pem);
    expect(carol.certificateFingerprint).toBe(second.fingerprint);
    alice.send("MSG still connected");
    expect(await bob.readLine()).toBe("MSG alice still connected");
  });

  it("keeps the old certificate when SIGHUP finds a bad one, and says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-tls-reload-bad-"));
    const certFile = join(dir, "cert.pem");
    const keyFile = join(dir, "key.pem");
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    const cli = start(["--tls-cert", certFile, "--tls-key", keyFile]);
    const port = await cli.port("tls");
    const alice = await TcpClient.connectTls(port, first.pem);
    alice.send("LOGIN alice");
    expect(await alice.readLine()).toBe("OK");

    copyFileSync(second.certFile, certFile); // a renewal half done: the new certificate, the old key
    cli.kill("SIGHUP");
    const report = await cli.waitForLog("reloaded");
    const problem = `TLS certificate: the TLS certificate ${certFile} and key ${keyFile} cannot be used: `;
    expect(report.applied).toEqual([]);
    const errors = report.errors as string[];
    expect(errors).toEqual([expect.stringMatching(new RegExp(`^${escapeRegExp(problem)}.+; the old one stays$`))]);
    expect(cli.logs().filter((log) => log.msg === "not reloaded").map((log) => [log.level, log.problem])).toEqual([[50, errors[0]]]);

    const bob = await TcpClient.connectTls(port, first.pem);
    expect(bob.certificateFingerprint).toBe(first.fingerprint);
    bob.send("LOGIN bob");
    expect(await bob.readLine()).toBe("OK");
    bob.send("MSG still the old certificate");
    expect(await alice.readLine()).toBe("MSG bob still the old certificate");
  });

  it("serves TLS instead of plain TCP when no --tls-port is given", async () => {
    const cli = start(["--tls-cert", first.certFile, "--tls-key", first.keyFile]);
    const port = await cli.port("tls");
    expect(cli.logs().filter((log) => log.msg === "listening").map((log) => log.transport)).toEqual(["tls"]);
    const client = await TcpClient.connectTls(port, first.pem);
    client.send("PING");
    expect(await client.readLine()).toBe("PONG");
  });

  it.each<[string, (dir: string) => string[], string]>([
    ["a missing certificate", (dir) => ["--tls-cert", join(dir, "none.pem"), "--tls-key", join(dir, "none.pem")], "cannot read the TLS certificate DIR/none.pem: no such file"],
    [
      "a key that is not PEM",
      (dir) => {
        writeFileSync(join(dir, "junk.pem"), "not a key");
        return ["--tls-cert", first.certFile, "--tls-key", join(dir, "junk.pem")];
      },
      `the TLS certificate ${"CERT"} and key DIR/junk.pem cannot be used: `,
    ],
  ])("refuses to start with %s", async (_case, args, message) => {
    const dir = mkdtempSync(join(tmpdir(), "chat-tls-bad-"));
    const exit = await CliProcess.run(args(dir));
    expect(exit.code).toBe(1);
    expect(exit.stderr.split("\n")).toHaveLength(2); // one line, then the end
    expect(exit.stderr).toContain(`chat-server: ${message.replace("DIR", dir).replace("CERT", first.certFile)}`);
  });
});

describe("SIGHUP", () => {
  it("applies new options a plugin takes live, and logs what needs a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-reload-"));
    const config = join(dir, "plugins.config.json");
    const write = (plugins: string[], options: object): void => writeFileSync(config, JSON.stringify({ plugins, options }));
    const dice = join(__dirname, "..", "..", "examples", "dice.mjs");
    write(["login", "msg", "history", dice], { history: { size: 1 } });
    const cli = start(["--config", config]);
    const port = await cli.port();
    const alice = await TcpClient.login(port, "alice");
    expect(await alice.readLine()).toBe("END HISTORY");
    alice.send("MSG one");
    alice.send("MSG two");
    const probe = await TcpClient.login(port, "probe");
    expect(await probe.readLines(2)).toEqual(["HISTORY alice two", "END HISTORY"]);

    write(["login", "msg", "history", dice, "who"], { history: { size: 3 }, dice: { maxSides: 6 } });
    cli.kill("SIGHUP");
    const report = await cli.waitForLog("reloaded");
    expect(report.applied).toEqual(['plugin "history": options {"size":3,"maxReplayBytes":65536}']);
    expect(report.needsRestart).toEqual([
      `the plugin list changed: login, msg, history, ${dice} -> login, msg, history, ${dice}, who`,
      'plugin "dice": new options, which it takes at start only',
    ]);
    alice.send("MSG three");
    alice.send("MSG four");
    const later = await TcpClient.login(port, "later");
    expect(await later.readLines(4)).toEqual(["HISTORY alice two", "HISTORY alice three", "HISTORY alice four", "END HISTORY"]);

    writeFileSync(config, "{ broken");
    cli.kill("SIGHUP");
    expect((await cli.waitForLog("reload refused: the configuration file cannot be used; nothing changed")).level).toBe(50);
  });
});

describe("--log-pretty", () => {
  it("writes human-readable lines instead of JSON", async () => {
    const cli = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", "--log-pretty"]);
    running.push(cli);
    await new Promise<void>((resolve) => {
      const check = (): void => (cli.output.includes("ready") ? resolve() : void setTimeout(check, 20));
      check();
    });
    expect(cli.output).toMatch(/INFO \(\d+\): listening\n\s+transport: "tcp"/);
    expect(cli.logs()).toEqual([]);
  });
});

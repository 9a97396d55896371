import { networkInterfaces } from "node:os";
import { definePlugin } from "../../src/core/plugin-api";
import { FakeClock } from "../../src/testing/fake-clock";
import { expectWholeBurst, sendBurst } from "../support/bursts";
import { TcpClient } from "../support/tcp-client";
import { startTcpServer, type RunningServer } from "../support/tcp-server";

describe("protection over TCP", () => {
  let server: RunningServer;

  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("drops a client that never reads while the others receive everything, in order; it reads ERR send-queue-exceeded last", async () => {
    // On the fake clock: the linger after the farewell does not run out
    // however long the test takes to get to reading it.
    server = await startTcpServer({ maxSendQueueBytes: 64 * 1024, rateLimitPerSecond: 0 }, { clock: new FakeClock() });
    const alice = await TcpClient.login(server.port, "alice");
    const sleeper = await TcpClient.login(server.port, "sleeper");
    const carol = await TcpClient.login(server.port, "carol");
    sleeper.stopReading();

    const filler = "x".repeat(4000);
    const received: string[] = [];
    let sent = 0;
    // Kernel buffers on loopback can take megabytes before the server's own queue grows.
    while (!received.includes("INFO sleeper disconnected") && sent < 20_000) {
      const batch = Array.from({ length: 100 }, (_, i) => `MSG ${sent + i} ${filler}`);
      await alice.write(`${batch.join("\n")}\n`);
      sent += batch.length;
      received.push(...(await carol.readLines(batch.length)));
    }
    const info = received.indexOf("INFO sleeper disconnected");
    expect(info).toBeGreaterThan(0);
    expect(received.filter((line) => line.startsWith("INFO"))).toEqual(["INFO sleeper disconnected"]);
    const relayed = received.filter((line) => line.startsWith("MSG"));
    received.push(...(await carol.readLines(sent - relayed.length)));
    expect(received.filter((line) => line.startsWith("MSG"))).toEqual(
      Array.from({ length: sent }, (_, i) => `MSG alice ${i} ${filler}`),
    );
    // What the kernel and the server had handed over is still there for it to read, in order, then why it was dropped.
    sleeper.startReading();
    const tail = await sleeper.readUntilClosed();
    expect(tail.at(-1)).toBe("ERR send-queue-exceeded");
    const kept = tail.slice(0, -1);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => `MSG alice ${i} ${filler}`));
    const closed = await server.logger.waitFor("connection closed");
    expect(closed.map((entry) => entry.context.reason)).toEqual(["send-queue"]);
  });

  it("drops nobody who reads for a burst many times the send queue: input waits while a turn's output is written", async () => {
    // The attack of issue #10, scaled down: senders each write 20 long lines
    // at once (inside the default flood burst); every reader is sent 800 KB
    // in the same instant, against a send queue of 64 KB.
    server = await startTcpServer({ maxSendQueueBytes: 64 * 1024 });
    const readers = await Promise.all(["r1", "r2", "r3"].map((name) => TcpClient.login(server.port, name)));
    const senders = await Promise.all(Array.from({ length: 10 }, (_, i) => TcpClient.login(server.port, `s${i}`)));
    await sendBurst(senders);
    for (const reader of readers) {
      expectWholeBurst(await reader.readLines(200), senders.length);
    }
    expect(server.logger.find("send queue exceeded")).toEqual([]);
  });

  it("slows a flooder without losing a line, while others are answered at once", async () => {
    server = await startTcpServer({ rateLimitPerSecond: 50, rateBurst: 5 });
    const flooder = await TcpClient.login(server.port, "flooder");
    const bob = await TcpClient.login(server.port, "bob");
    const carol = await TcpClient.connect(server.port);
    const flood = Array.from({ length: 40 }, (_, i) => `MSG ${i}`);
    await flooder.write(`${flood.join("\n")}\n`);
    const first = await bob.readLine();
    carol.send("PING");
    expect(await carol.readLine()).toBe("PONG");
    // carol was answered while the flood was still being let through
    expect(bob.receivedCount).toBeLessThan(flood.length);
    const rest = await bob.readLines(flood.length - 1);
    expect([first, ...rest]).toEqual(flood.map((line) => line.replace("MSG", "MSG flooder")));
  });

  it("delivers the last lines to a client whose unread input the server still holds", async () => {
    // HANG holds the connection's input, as flood control or a slow command does.
    const hang = definePlugin({
      name: "hang",
      register({ commands }) {
        commands.add({ verb: "HANG", handle: () => new Promise<void>(() => undefined) });
      },
    });
    server = await startTcpServer({
      rateLimitPerSecond: 0,
      plugins: [{ name: "login" }, { name: "msg" }, { name: "ping" }, { name: "hang", plugin: hang }],
    });
    const victim = await TcpClient.login(server.port, "victim");
    const sender = await TcpClient.login(server.port, "sender");
    await victim.write(`HANG\n${"junk\n".repeat(200_000)}`);
    victim.stopReading();
    const text = "y".repeat(4000);
    await sender.write(`MSG ${text}\n`.repeat(250)); // 1 MB: more than the victim's kernel buffer takes
    sender.send("PING");
    expect(await sender.readLine()).toBe("PONG");
    // Closing a socket with unread input makes the kernel send a reset and
    // throw away the output it has not sent yet: the server must read it first.
    await server.app.stop({ graceMs: 5000 });
    victim.startReading();
    expect(await victim.readUntilClosed()).toEqual([...Array(250).fill(`MSG sender ${text}`), "INFO server-shutdown"]);
  });

  it("answers server-full past --max-connections", async () => {
    server = await startTcpServer({ maxConnections: 2 });
    await TcpClient.connect(server.port);
    await TcpClient.connect(server.port);
    const third = await TcpClient.connect(server.port);
    expect(await third.readUntilClosed()).toEqual(["ERR server-full"]);
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === "IPv4" && !address.internal)?.address;
  (external === undefined ? it.skip : it)(
    `answers too-many-connections past --max-per-ip from a non-loopback address (${external ?? "none here"})`,
    async () => {
      server = await startTcpServer({ host: external, maxConnectionsPerAddress: 2 });
      await TcpClient.connect(server.port, external);
      await TcpClient.connect(server.port, external);
      const third = await TcpClient.connect(server.port, external);
      expect(await third.readUntilClosed()).toEqual(["ERR too-many-connections"]);
    },
  );

  it("isolates a plugin that throws: its client is answered, a second client is not disturbed", async () => {
    const faulty = definePlugin({
      name: "faulty",
      register({ commands }) {
        commands.add({
          verb: "CRASH",
          handle() {
            throw new TypeError("cannot read properties of undefined");
          },
        });
      },
    });
    server = await startTcpServer({ plugins: [{ name: "login" }, { name: "msg" }, { name: "faulty", plugin: faulty }] });
    const alice = await TcpClient.login(server.port, "alice");
    const bob = await TcpClient.login(server.port, "bob");
    alice.send("CRASH");
    alice.send("MSG after the crash");
    expect(await alice.readLine()).toBe("ERR internal-error");
    expect(await bob.readLine()).toBe("MSG alice after the crash");
    bob.send("MSG and back");
    expect(await alice.readLine()).toBe("MSG bob and back");
    expect(server.logger.find("command failed")[0]?.context).toMatchObject({ plugin: "faulty", verb: "CRASH" });
  });
});

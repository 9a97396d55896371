import { InProcessDelivery } from "../../../src/adapters/in-process/in-process-delivery";
import { InProcessPresence } from "../../../src/adapters/in-process/in-process-presence";
import { addressGroup, ConnectionLimits } from "../../../src/core/connection-limits";
import type { Outgoing } from "../../../src/core/events";
import { linesOf, settle, startTestServer } from "../../../src/testing/test-server";

const numbered = (count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => `MSG ${from + i}`);

describe("flood control", () => {
  it("takes a burst at once, then the rest at the rate, in order, dropping nothing", async () => {
    const server = await startTestServer({ rateLimitPerSecond: 10, rateBurst: 20 });
    const bob = await server.login("bob");
    const alice = await server.login("alice"); // LOGIN took one line of the burst
    const relayed = (from: number, count: number): string[] =>
      numbered(count, from).map((line) => line.replace("MSG", "MSG alice"));
    alice.write(`${numbered(20).join("\n")}\n`);
    expect(await linesOf(bob)).toEqual(relayed(0, 19));
    alice.write(`${numbered(10, 20).join("\n")}\n`); // more, while over budget: reading stops
    expect(alice.paused).toBe(true);
    server.clock.advance(99);
    expect(await linesOf(bob)).toEqual([]);
    server.clock.advance(1);
    expect(await linesOf(bob)).toEqual(relayed(19, 1));
    server.clock.advance(1000);
    expect(await linesOf(bob)).toEqual(relayed(20, 10));
    expect(alice.paused).toBe(false);
  });

  it("takes no more input while lines received still wait for budget: the backlog stays in the kernel", async () => {
    const server = await startTestServer({ rateLimitPerSecond: 10, rateBurst: 1, idleTimeoutMs: 0 });
    const flooder = server.connect();
    flooder.write("PING\n".repeat(5));
    flooder.write("PING\n".repeat(5)); // arrives while on hold: reading stops
    expect(await linesOf(flooder)).toEqual(["PONG"]);
    expect(flooder.paused).toBe(true);
    for (let answered = 1; answered < 10; answered++) {
      server.clock.advance(100);
      expect(await linesOf(flooder)).toEqual(["PONG"]);
      // Still lines left from what was read: no reason to read more yet.
      if (answered < 9) expect(flooder.paused).toBe(true);
    }
    expect(flooder.paused).toBe(false); // all handled: reading again
  });

  it("refills up to the burst, no more", async () => {
    const server = await startTestServer({ rateLimitPerSecond: 10, rateBurst: 5, idleTimeoutMs: 0 });
    const client = server.connect();
    server.clock.advance(3_600_000);
    client.write("PING\n".repeat(6));
    expect(await linesOf(client)).toEqual(Array(5).fill("PONG"));
    server.clock.advance(100);
    expect(await linesOf(client)).toEqual(["PONG"]);
  });

  it.each([
    ["WHO", ["login", "who", "ping"], ["USER alice", "END WHO"]],
    ["ROOMS", ["login", "msg", "ping", "rooms"], ["END ROOMS"]],
  ])("charges costly commands more: %s takes ten lines of the budget", async (verb, plugins, answer) => {
    const server = await startTestServer({ plugins, rateLimitPerSecond: 10, rateBurst: 20, idleTimeoutMs: 0 });
    const alice = await server.login("alice"); // 1 of 20
    // Each one passes on what is left of the burst, then pays 10: 1 + 10 + 10
    // is one more than the burst, so the PING waits two tenths of a second
    // (at a cost of 9 or less it would pass at once, at 11 or more wait longer).
    alice.write(`${verb}\n${verb}\nPING\n`);
    expect(await linesOf(alice)).toEqual([...answer, ...answer]);
    server.clock.advance(199);
    expect(await linesOf(alice)).toEqual([]);
    server.clock.advance(1);
    expect(await linesOf(alice)).toEqual(["PONG"]);
  });

  it("refuses a command cost out of range", async () => {
    const pricey = { name: "pricey", register: (api: any) => api.commands.add({ verb: "X", cost: 0, handle() {} }) };
    await expect(startTestServer({ plugins: [{ name: "pricey", plugin: pricey }] })).rejects.toThrow(
      'plugin "pricey": command X: cost must be a whole number from 1 to 1000',
    );
  });

  it("counts every line, errors and blank ones too", async () => {
    const server = await startTestServer({ rateLimitPerSecond: 1, rateBurst: 2, maxLineBytes: 64 });
    const client = server.connect();
    client.write(`\n${"x".repeat(100)}\nPING\n`);
    expect(await linesOf(client)).toEqual(["ERR line-too-long"]);
    server.clock.advance(1000);
    expect(await linesOf(client)).toEqual(["PONG"]);
  });

  it("leaves a client alone that stays within its budget", async () => {
    const server = await startTestServer({ rateLimitPerSecond: 10, rateBurst: 2 });
    const client = server.connect();
    for (let i = 0; i < 50; i++) {
      client.send("PING");
      expect(await linesOf(client)).toEqual(["PONG"]);
      server.clock.advance(100);
    }
    expect(client.paused).toBe(false);
  });

  it.each([
    ["rate", { rateLimitPerSecond: 0, rateBurst: 20 }],
    ["burst", { rateLimitPerSecond: 10, rateBurst: 0 }],
  ])("is off when the %s is 0", async (_name, settings) => {
    const server = await startTestServer(settings);
    const client = server.connect();
    client.write("PING\n".repeat(500));
    expect(await linesOf(client)).toHaveLength(500);
  });

  it("answers what a throttled client sent before closing its side, then closes", async () => {
    const server = await startTestServer({ rateLimitPerSecond: 10, rateBurst: 1 });
    const client = server.connect();
    client.write("PING\nPING\n");
    client.endInput();
    expect(await linesOf(client)).toEqual(["PONG"]);
    server.clock.advance(100);
    expect(await linesOf(client)).toEqual(["PONG"]);
    expect(client.closedByServer).toBe(true);
  });
});

describe("costly commands across connections", () => {
  it("runs at most five WHOs' worth in one turn of the event loop; the rest wait for the next turns, cheap lines do not", async () => {
    // Issue #17: a hundred connections' bursts of WHOs ran in one turn and held everyone's PING for half a second.
    const server = await startTestServer({ idleTimeoutMs: 0 });
    const askers = [];
    for (let i = 0; i < 30; i++) askers.push(await server.login(`user${i}`));
    const pinger = await server.login("pinger");
    const last = askers.at(-1)!;
    // All in one turn (the in-memory transport hands lines over at once).
    for (const asker of askers) asker.send("WHO");
    last.send("PING");
    pinger.send("PING");
    // The commands' promises settle, with no turn of the event loop in between.
    for (let tick = 0; tick < 20; tick++) await Promise.resolve();
    expect(askers.map((asker) => asker.takeLines().length > 0)).toEqual(askers.map((_, i) => i < 5));
    expect(pinger.takeLines()).toEqual(["PONG"]);
    await settle();
    const everyone = [...askers.map((_, i) => `USER user${i}`), "USER pinger", "END WHO"];
    for (const asker of askers.slice(5, -1)) expect(asker.takeLines()).toEqual(everyone);
    // A connection's own lines stay in order: its PING waited behind its WHO.
    expect(last.takeLines()).toEqual([...everyone, "PONG"]);
  });
});

describe("slow consumers", () => {
  it("drops a client that does not read once its backlog passes the limit; the others get everything", async () => {
    const server = await startTestServer({ maxSendQueueBytes: 100, rateLimitPerSecond: 0 });
    const alice = await server.login("alice");
    const sleeper = await server.login("sleeper");
    const carol = await server.login("carol");
    sleeper.stopReading();
    const lines = numbered(8).map((line) => `${line} ${"x".repeat(10)}`); // 22 or 23 bytes each to a recipient
    alice.write(`${lines.join("\n")}\n`);
    const relayed = lines.map((line) => line.replace("MSG", "MSG alice"));
    // The fifth line would take the sleeper's backlog past 100 bytes: it is dropped instead.
    expect(await linesOf(carol)).toEqual([...relayed.slice(0, 5), "INFO sleeper disconnected", ...relayed.slice(5)]);
    expect(sleeper.closedByServer).toBe(true);
    expect(server.logger.find("connection closed").map((entry) => entry.context)).toEqual([
      { conn: 2, user: "sleeper", reason: "send-queue" },
    ]);
    expect(server.logger.find("send queue exceeded").map((entry) => entry.context)).toEqual([
      { conn: 2, user: "sleeper", pending: 92, line: 23 },
    ]);
    // What it had been sent is still there to read, then why it was dropped.
    sleeper.startReading();
    expect(await linesOf(sleeper)).toEqual([...relayed.slice(0, 4), "ERR send-queue-exceeded"]);
  });

  it("frees the name of the dropped user", async () => {
    const server = await startTestServer({ maxSendQueueBytes: 30 });
    const alice = await server.login("alice");
    const sleeper = await server.login("sleeper");
    sleeper.stopReading();
    alice.write("MSG one two three four five six\n");
    await settle();
    const again = server.connect();
    again.send("LOGIN sleeper");
    expect(await linesOf(again)).toEqual(["OK"]);
  });
});

describe("connection limits", () => {
  it("answers server-full past the total, and admits again once one leaves", async () => {
    const server = await startTestServer({ maxConnections: 2 });
    const first = server.connect("10.0.0.1");
    server.connect("10.0.0.2");
    const third = server.connect("10.0.0.3");
    expect(await linesOf(third)).toEqual(["ERR server-full"]);
    expect(third.closedByServer).toBe(true);
    first.disconnect();
    const fourth = server.connect("10.0.0.4");
    fourth.send("PING");
    expect(await linesOf(fourth)).toEqual(["PONG"]);
  });

  it("answers too-many-connections past the limit of one address; loopback is exempt", async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 2 });
    server.connect("198.51.100.7");
    const second = server.connect("198.51.100.7");
    const third = server.connect("198.51.100.7");
    expect(await linesOf(third)).toEqual(["ERR too-many-connections"]);
    const elsewhere = server.connect("198.51.100.8");
    const local = Array.from({ length: 5 }, () => server.connect("127.0.0.1"));
    for (const client of [elsewhere, ...local]) {
      client.send("PING");
      expect(await linesOf(client)).toEqual(["PONG"]);
    }
    second.send("QUIT");
    await settle();
    const again = server.connect("198.51.100.7");
    again.send("PING");
    expect(await linesOf(again)).toEqual(["PONG"]);
  });

  it("counts an IPv6 /64 as one address", async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 1 });
    server.connect("2001:db8::1");
    const sameSubnet = server.connect("2001:db8:0:0:ffff::2");
    const otherSubnet = server.connect("2001:db8:0:1::1");
    expect(await linesOf(sameSubnet)).toEqual(["ERR too-many-connections"]);
    otherSubnet.send("PING");
    expect(await linesOf(otherSubnet)).toEqual(["PONG"]);
  });

  it("refuse an address opening connections faster than its burst and rate; loopback is exempt", async () => {
    // Issue #10: one address could open and close connections as fast as it liked.
    const server = await startTestServer({ connectBurst: 3, connectRatePerSecond: 2 });
    const churn = (address: string): void => server.connect(address).disconnect();
    for (let i = 0; i < 3; i++) churn("203.0.113.5");
    const fourth = server.connect("203.0.113.5");
    expect(await linesOf(fourth)).toEqual(["ERR connection-rate-exceeded"]);
    expect(fourth.closedByServer).toBe(true);
    const other = server.connect("203.0.113.6");
    const local = Array.from({ length: 10 }, () => server.connect("127.0.0.1"));
    for (const client of [other, ...local]) {
      client.send("PING");
      expect(await linesOf(client)).toEqual(["PONG"]);
    }
    server.clock.advance(499);
    expect(await linesOf(server.connect("203.0.113.5"))).toEqual(["ERR connection-rate-exceeded"]);
    server.clock.advance(1); // half a second: one more connection's worth at 2 a second
    const later = server.connect("203.0.113.5");
    later.send("PING");
    expect(await linesOf(later)).toEqual(["PONG"]);
    expect(await linesOf(server.connect("203.0.113.5"))).toEqual(["ERR connection-rate-exceeded"]);
  });

  it("logs refusals at most once every 10 s, with their counts", async () => {
    const server = await startTestServer({ connectBurst: 1, connectRatePerSecond: 1, maxConnections: 3 });
    server.connect("203.0.113.5");
    for (let i = 0; i < 100; i++) server.connect("203.0.113.5");
    expect(server.logger.find("connections refused").map((entry) => entry.context)).toEqual([
      { refused: { "connection-rate-exceeded": 1 }, last: "203.0.113.5" },
    ]);
    server.connect("10.1.0.1");
    server.connect("10.1.0.2");
    server.clock.advance(9999);
    server.connect("10.1.0.3");
    expect(server.logger.find("connections refused")).toHaveLength(1);
    server.clock.advance(1);
    server.connect("10.1.0.4");
    expect(server.logger.find("connections refused").map((entry) => entry.context)).toEqual([
      { refused: { "connection-rate-exceeded": 1 }, last: "203.0.113.5" },
      { refused: { "connection-rate-exceeded": 99, "server-full": 2 }, last: "10.1.0.4" },
    ]);
  });

  it("keeps the connect rates of the last few seconds only", () => {
    const limits = new ConnectionLimits({
      maxConnections: 0,
      maxConnectionsPerAddress: 0,
      connectRatePerSecond: 10,
      connectBurst: 10,
      exemptLoopback: true,
    });
    for (let i = 0; i < 5000; i++) limits.admit(`198.18.${i >> 8}.${i & 255}`, 0);
    expect(limits.rateEntries).toBe(5000);
    // A bucket that took one connection is full again 100 ms later: as the
    // table grows with new addresses, it sweeps out the ones at rest.
    for (let i = 0; i < 5000; i++) limits.admit(`198.19.${i >> 8}.${i & 255}`, 1000);
    expect(limits.rateEntries).toBe(5000);
  });

  it("count loopback like any address when it is not exempt; its connect rate comes back with time", async () => {
    const server = await startTestServer({ exemptLoopback: false, maxConnectionsPerAddress: 1, connectBurst: 2, connectRatePerSecond: 1 });
    const first = server.connect("127.0.0.2");
    expect(await linesOf(server.connect("127.0.0.2"))).toEqual(["ERR too-many-connections"]);
    const other = server.connect("127.0.0.3");
    other.send("PING");
    expect(await linesOf(other)).toEqual(["PONG"]);
    first.disconnect();
    await settle();
    expect(await linesOf(server.connect("127.0.0.2"))).toEqual(["ERR connection-rate-exceeded"]);
    server.clock.advance(1000);
    const later = server.connect("127.0.0.2");
    later.send("PING");
    expect(await linesOf(later)).toEqual(["PONG"]);
  });

  it("are off at 0", async () => {
    const server = await startTestServer({ maxConnections: 0, maxConnectionsPerAddress: 0, connectRatePerSecond: 0 });
    const clients = Array.from({ length: 200 }, () => server.connect("203.0.113.9"));
    clients[199]!.send("PING");
    expect(await linesOf(clients[199]!)).toEqual(["PONG"]);
  });

  it.each([
    ["192.0.2.1", "192.0.2.1"],
    ["127.0.0.1", null],
    ["127.45.0.9", null],
    ["::1", null],
    ["0:0:0:0:0:0:0:1", null],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2::9", "2001:db8:1:2::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
    ["not:an:address::x:y:z:w:v", "not:an:address::x:y:z:w:v"],
  ])("groups %s as %s", (address, group) => {
    expect(addressGroup(address, true)).toBe(group);
  });

  it.each([
    ["127.0.0.1", "127.0.0.1"],
    ["127.45.0.9", "127.45.0.9"],
    ["::1", "0:0:0:0::/64"],
    ["192.0.2.1", "192.0.2.1"],
  ])("groups %s as %s when loopback is not exempt", (address, group) => {
    expect(addressGroup(address, false)).toBe(group);
  });
});

describe("fault isolation", () => {
  it("drops only the connection whose handling failed, and logs why", async () => {
    class FailingPresence extends InProcessPresence {
      override release(username: string): void {
        if (username === "doomed") throw new Error("presence is down");
        super.release(username);
      }
    }
    const server = await startTestServer({ adapters: { presence: new FailingPresence() } });
    const alice = await server.login("alice");
    const doomed = await server.login("doomed");
    const bob = await server.login("bob");
    doomed.write("PING\n");
    doomed.endInput(); // leaving frees the name, which fails
    expect(await linesOf(doomed)).toEqual(["PONG"]);
    expect(doomed.closedByServer).toBe(true);
    expect(server.logger.find("session failed").map((entry) => (entry.context.err as Error).message)).toEqual([
      "presence is down",
    ]);
    alice.send("MSG still fine");
    expect(await linesOf(bob)).toEqual(["MSG alice still fine"]);
  });

  it("logs a departure that could not be announced, and goes on", async () => {
    class FailingDelivery extends InProcessDelivery {
      override announceDepartures(event: Outgoing): void {
        if (event.event.type === "departure" && event.event.users.some(({ username }) => username === "doomed")) throw new Error("delivery is down");
        super.announceDepartures(event);
      }
    }
    const server = await startTestServer({ adapters: { delivery: new FailingDelivery() } });
    const alice = await server.login("alice");
    const doomed = await server.login("doomed");
    const bob = await server.login("bob");
    doomed.send("QUIT");
    expect(await linesOf(doomed)).toEqual(["INFO bye"]);
    expect(server.logger.find("announcing departures failed").map((entry) => [entry.context.users, (entry.context.err as Error).message])).toEqual([
      [["doomed"], "delivery is down"],
    ]);
    alice.send("MSG still fine");
    expect(await linesOf(bob)).toEqual(["MSG alice still fine"]);
    bob.send("QUIT");
    expect(await linesOf(alice)).toEqual(["INFO bob disconnected"]);
  });
});

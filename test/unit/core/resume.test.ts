import type { InProcessDelivery } from "../../../src/adapters/in-process/in-process-delivery";
import { LineCodec } from "../../../src/adapters/line/line-codec";
import { Outgoing, type ChatEvent } from "../../../src/core/events";
import { ResumeLog, type Kept, type Replay } from "../../../src/core/resume-log";
import { TOKENS } from "../../../src/core/tokens";
import { expectLines, linesOf, settle, startTestServer, type TestServer, type TestServerOptions } from "../../../src/testing/test-server";
import type { FakeClient } from "../../../src/testing/in-memory-transport";
import { slowLoginHook } from "../../support/slow-login";

/** The line protocol's codec, as a line door renders what a log keeps. */
const lines = new LineCodec({ forms: () => undefined }, { render: () => null }, 4096);

/** An item's lines as the line door shows it. */
function shown(item: Kept): string {
  return Buffer.from(item instanceof Uint8Array ? item : new Outgoing(item).bytesFor(lines.renderer)!).toString();
}

/** Records an item as a line door sent it: its lines and its bytes. */
function record(log: ResumeLog, item: Kept): void {
  const text = shown(item);
  log.record(item, text.split("\n").length - 1, Buffer.byteLength(text));
}

/** A replay as the line door shows it (the first item cut where the count falls) and its line count, or the refusal. */
const replayed = (replay: Replay | string): [string, number] | string =>
  typeof replay === "string"
    ? replay
    : [
        replay.items
          .map(shown)
          .join("")
          .split("\n")
          .slice(replay.skip)
          .join("\n"),
        replay.lines,
      ];

/** The event ids of these tests: the n-th in order. */
const idOf = (n: number): string => `01J${String(n).padStart(23, "0")}`;
const message = (n: number): ChatEvent => ({ type: "message", id: idOf(n), at: 0, from: "b", to: { kind: "everyone" }, text: String(n) });
const answer = (text: string): Uint8Array => lines.encodeReply({ kind: "text", text })!;

describe("a resume log", () => {
  it("keeps events and answers, and replays them from any line, the first cut where the count falls", () => {
    const log = new ResumeLog(1024);
    const token = answer("TOKEN t");
    const users = answer("USER a\nUSER b\nEND WHO");
    const hi = message(1);
    record(log, token);
    record(log, users);
    record(log, hi);
    expect(replayed(log.since({ received: -1 }))).toEqual(["TOKEN t\nUSER a\nUSER b\nEND WHO\nMSG b 1\n", 5]);
    expect(replayed(log.since({ received: 1 }))).toEqual(["USER b\nEND WHO\nMSG b 1\n", 3]);
    expect(log.since({ received: 1 })).toEqual({ items: [users, hi], skip: 1, lines: 3 });
    expect(replayed(log.since({ received: 3 }))).toEqual(["MSG b 1\n", 1]);
    expect(replayed(log.since({ received: 4 }))).toEqual(["", 0]);
    expect(log.since({ received: 5 })).toBe("bad-count");
  });

  it("forgets the oldest entries past its capacity (the bytes their door sent), and says a gap reaching them is too large", () => {
    const log = new ResumeLog(24);
    for (let i = 0; i < 10; i++) record(log, message(i));
    expect(replayed(log.since({ received: 6 }))).toEqual(["MSG b 7\nMSG b 8\nMSG b 9\n", 3]);
    expect(log.since({ received: 5 })).toBe("gap-too-large");
    expect(log.since({ received: 10 })).toBe("bad-count");
    expect(log.since({ received: -2 })).toBe("bad-count");
  });

  it("replays after an event's id: what followed it; one from before the token, everything since it", () => {
    const log = new ResumeLog(1024);
    record(log, answer("TOKEN t"));
    record(log, message(5));
    const pong = answer("PONG");
    record(log, pong);
    record(log, message(6));
    expect(log.since({ after: idOf(5) })).toEqual({ items: [pong, message(6)], skip: 0, lines: 2 });
    expect(log.since({ after: idOf(6) })).toEqual({ items: [], skip: 0, lines: 0 });
    expect(replayed(log.since({ after: idOf(4) }))).toEqual(["MSG b 5\nPONG\nMSG b 6\n", 3]);
    expect(log.since({ after: idOf(7) })).toBe("unknown-event");
  });

  it("says an id older than what it still keeps is a gap too large, once some went", () => {
    const log = new ResumeLog(24);
    for (let i = 0; i < 10; i++) record(log, message(i));
    expect(replayed(log.since({ after: idOf(7) }))).toEqual(["MSG b 8\nMSG b 9\n", 2]);
    expect(log.since({ after: idOf(6) })).toBe("gap-too-large");
    expect(log.since({ after: idOf(2) })).toBe("gap-too-large");
  });
});

describe("resumable sessions (fake clock)", () => {
  let server: TestServer;

  async function resumable(username: string): Promise<{ client: FakeClient; token: string }> {
    const client = await server.login(username);
    client.send("RESUMABLE");
    const [reply] = await linesOf(client);
    return { client, token: reply!.split(" ")[1]! };
  }

  afterEach(() => server.app.stop({ graceMs: 0 }));

  it.each([
    ["a reset", (client: FakeClient) => client.disconnect()],
    ["a FIN", (client: FakeClient) => client.endInput()],
  ])("after %s, holds the name for exactly --resume-grace, then announces the departure once", async (_, drop) => {
    server = await startTestServer({ resumeGraceMs: 30_000, idleTimeoutMs: 0 });
    const { client: alice, token } = await resumable("alice");
    const bob = await server.login("bob");
    drop(alice);
    await settle();
    const other = server.connect();
    other.send("LOGIN alice");
    await expectLines(other, "ERR username-taken");
    server.clock.advance(29_999);
    await expectLines(bob);
    server.clock.advance(1);
    await expectLines(bob, "INFO alice disconnected");
    server.clock.advance(60_000);
    await expectLines(bob);
    const late = server.connect();
    late.send(`RESUME ${token} 0`);
    await expectLines(late, "ERR resume-refused unknown-token");
  });

  it("does not keep a session the idle timeout or a kick ended", async () => {
    server = await startTestServer({ idleTimeoutMs: 1000 });
    const { token } = await resumable("alice");
    const bob = await server.login("bob");
    server.clock.advance(500);
    bob.send("PING");
    server.clock.advance(500);
    await expectLines(bob, "PONG", "INFO alice disconnected");
    const again = server.connect();
    again.send(`RESUME ${token} 0`);
    await expectLines(again, "ERR resume-refused unknown-token");
  });

  it("records what a dropped session is sent, DMs included, and counts from the greeting after a resume", async () => {
    server = await startTestServer();
    const { client: alice, token } = await resumable("alice");
    const bob = await server.login("bob");
    alice.send("WHO");
    await expectLines(alice, "USER alice", "USER bob", "END WHO");
    alice.disconnect();
    bob.send("MSG one");
    bob.send("DM alice two");
    const phone = server.connect();
    phone.send(`RESUME ${token} 3`);
    const [greeting, ...missed] = await linesOf(phone);
    expect(greeting).toMatch(/^RESUMED alice /);
    expect(missed).toEqual(["MSG bob one", "DM bob two"]);

    // Line 0 is the greeting: having read both, a second drop replays only what came after.
    phone.disconnect();
    bob.send("MSG three");
    const laptop = server.connect();
    laptop.send(`RESUME ${greeting!.split(" ")[2]} 2`);
    expect((await linesOf(laptop)).slice(1)).toEqual(["MSG bob three"]);
  });

  it("lets the sessions waiting for a resume go at shutdown", async () => {
    server = await startTestServer();
    const { client: alice } = await resumable("alice");
    alice.disconnect();
    expect(server.app.server.connectionCount).toBe(0);
    await server.app.stop({ graceMs: 0 });
    expect(server.logger.find("resume grace over")).toEqual([]);
    server.clock.advance(60_000);
    expect(server.logger.find("resume grace over")).toEqual([]);
  });
});

describe("sessions waiting for a resume, and the connection limits", () => {
  it("count as their connection until resumed or their grace ends: an address leaves no more behind than it may have open", async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 2, resumeGraceMs: 1000, idleTimeoutMs: 0 });
    try {
      const alice = await server.login("alice");
      alice.send("RESUMABLE");
      const token = (await linesOf(alice))[0]!.split(" ")[1]!;
      alice.disconnect();
      const bob = await server.login("bob");
      const third = server.connect();
      await expectLines(third, "ERR too-many-connections");
      // Its grace over, alice's place is free again.
      server.clock.advance(1000);
      await expectLines(bob, "INFO alice disconnected");
      const fourth = server.connect();
      fourth.send(`RESUME ${token} 0`);
      await expectLines(fourth, "ERR resume-refused unknown-token");
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });

  it("give their place to the connection that resumes them", async () => {
    const server = await startTestServer({ maxConnectionsPerAddress: 2, idleTimeoutMs: 0 });
    try {
      const alice = await server.login("alice");
      alice.send("RESUMABLE");
      const token = (await linesOf(alice))[0]!.split(" ")[1]!;
      alice.disconnect();
      const phone = server.connect();
      phone.send(`RESUME ${token} 0`);
      expect((await linesOf(phone))[0]).toMatch(/^RESUMED alice /);
      const other = server.connect();
      other.send("PING");
      await expectLines(other, "PONG");
      const oneTooMany = server.connect();
      await expectLines(oneTooMany, "ERR too-many-connections");
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });
});

describe("a session waiting for a resume, evicted", () => {
  it("leaves at once, told once, and its token no longer works (review of #13: it stayed for its grace)", async () => {
    const server = await startTestServer({ idleTimeoutMs: 0 });
    try {
      const alice = await server.login("alice");
      alice.send("RESUMABLE");
      const token = (await linesOf(alice))[0]!.split(" ")[1]!;
      const bob = await server.login("bob");
      alice.disconnect();
      // What a cluster's adapter does when another node took the name while this one was away.
      (server.app.container.resolve(TOKENS.Delivery) as InProcessDelivery).recipient("alice")!.evict();
      await expectLines(bob, "INFO alice disconnected");
      const again = server.connect();
      again.send(`RESUME ${token} 0`);
      await expectLines(again, "ERR resume-refused unknown-token");
      server.clock.advance(60_000);
      await expectLines(bob);
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });
});

describe("a command running when a resumable connection drops", () => {
  it("completes for the session, and its answer is among the missed lines (a JOIN was undone, found in review)", async () => {
    const server = await startTestServer({ plugins: ["login", "msg", "quit", "rooms", "resume"], idleTimeoutMs: 0 });
    try {
      const bob = await server.login("bob");
      bob.send("JOIN #dev");
      await expectLines(bob, "OK");
      const alice = await server.login("alice");
      alice.send("RESUMABLE");
      const token = (await linesOf(alice))[0]!.split(" ")[1]!;
      alice.send("JOIN #dev");
      alice.disconnect(); // before the JOIN is done
      await expectLines(bob, "INFO alice joined #dev");
      bob.send("MSG #dev hello");
      const phone = server.connect();
      phone.send(`RESUME ${token} 0`);
      expect((await linesOf(phone)).slice(1)).toEqual(["OK", "MSG bob #dev hello"]);
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });
});

describe("a resumable session whose client shuts down its sending side without QUIT (a FIN)", () => {
  let server: TestServer;
  afterEach(() => server.app.stop({ graceMs: 0 }));

  /** alice resumable (her token, her lines read), bob logged in after her. */
  async function aliceAndBob(options: TestServerOptions = {}): Promise<{ alice: FakeClient; bob: FakeClient; token: string }> {
    server = await startTestServer({ idleTimeoutMs: 0, ...options });
    const alice = await server.login("alice");
    alice.send("RESUMABLE");
    const token = (await linesOf(alice))[0]!.split(" ")[1]!;
    return { alice, bob: await server.login("bob"), token };
  }

  /** A new connection resumes `token` having received `received` lines: what it missed, after its greeting. */
  async function resume(token: string, received: number): Promise<string[]> {
    const phone = server.connect();
    phone.send(`RESUME ${token} ${received}`);
    const [greeting, ...missed] = await linesOf(phone);
    expect(greeting).toMatch(/^RESUMED alice /);
    return missed;
  }

  it("answers what it sent, closes, and keeps the session for a resume: nobody is told", async () => {
    const { alice, bob, token } = await aliceAndBob();
    alice.send("WHO");
    alice.endInput();
    expect(await linesOf(alice)).toEqual(["USER alice", "USER bob", "END WHO"]);
    expect(alice.closedByServer).toBe(true);
    expect(server.logger.find("connection dropped, resumable")).toHaveLength(1);
    // Its close, which comes after, changes nothing: the session is no longer the connection's.
    expect(server.logger.find("connection closed")).toEqual([]);
    bob.send("MSG one");
    expect(await resume(token, 3)).toEqual(["MSG bob one"]);
    await expectLines(bob);
  });

  it("counts the answers it was sent before the FIN: those it did not read are replayed", async () => {
    const { alice, bob, token } = await aliceAndBob();
    alice.send("WHO");
    alice.endInput();
    await settle();
    bob.send("MSG one");
    expect(await resume(token, 1)).toEqual(["USER bob", "END WHO", "MSG bob one"]);
    expect(alice.takeLines()).toEqual(["USER alice", "USER bob", "END WHO"]);
  });

  it("lets a command running at the FIN finish and answer on the half-open connection, then drops", async () => {
    const { alice, bob, token } = await aliceAndBob({ plugins: ["login", "msg", "quit", "rooms", "resume"] });
    bob.send("JOIN #dev");
    await expectLines(bob, "OK");
    alice.send("JOIN #dev");
    alice.endInput(); // before the JOIN is done
    await expectLines(alice, "OK");
    await expectLines(bob, "INFO alice joined #dev");
    expect(alice.closedByServer).toBe(true);
    bob.send("MSG #dev hello");
    expect(await resume(token, 1)).toEqual(["MSG bob #dev hello"]);
  });

  it("lets the login hooks finish first: what waited for them is sent, then it drops", async () => {
    // Made resumable by a login hook, as RESUMABLE would, which then waits.
    const { plugin, open } = slowLoginHook("alice", { before: (session, room) => session.reply(`TOKEN ${room.resumeToken(session)}`) }, "auto-resume");
    server = await startTestServer({ plugins: ["login", "msg", "who", "quit", "resume", plugin], idleTimeoutMs: 0 });
    const bob = await server.login("bob");
    const alice = server.connect();
    alice.send("LOGIN alice");
    alice.send("WHO");
    alice.endInput();
    const [ok, tokenLine] = await linesOf(alice);
    expect(ok).toBe("OK");
    bob.send("MSG while the hooks run");
    open();
    expect(await linesOf(alice)).toEqual(["MSG bob while the hooks run", "USER bob", "USER alice", "END WHO"]);
    expect(alice.closedByServer).toBe(true);
    bob.send("MSG after");
    expect(await resume(tokenLine!.split(" ")[1]!, 4)).toEqual(["MSG bob after"]);
    await expectLines(bob);
  });

  it("answers lines the flood budget holds back at their pace, as any half-close, then drops", async () => {
    const { alice, bob, token } = await aliceAndBob({ rateLimitPerSecond: 10, rateBurst: 2 });
    server.clock.advance(200);
    alice.write("PING\nPING\nPING\n");
    alice.endInput();
    expect(await linesOf(alice)).toEqual(["PONG", "PONG"]);
    expect(alice.closedByServer).toBe(false);
    server.clock.advance(100);
    expect(await linesOf(alice)).toEqual(["PONG"]);
    expect(alice.closedByServer).toBe(true);
    await expectLines(bob);
    expect(await resume(token, 3)).toEqual([]);
  });

  it("leaves for good after QUIT: the FIN that follows changes nothing", async () => {
    const { alice, bob, token } = await aliceAndBob();
    alice.send("QUIT");
    alice.endInput();
    await expectLines(alice, "INFO bye");
    await expectLines(bob, "INFO alice disconnected");
    const again = server.connect();
    again.send(`RESUME ${token} 1`);
    await expectLines(again, "ERR resume-refused unknown-token");
  });

  it("is a normal leave for a session never made resumable: answered, closed, announced", async () => {
    server = await startTestServer({ idleTimeoutMs: 0 });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("WHO");
    alice.endInput();
    expect(await linesOf(alice)).toEqual(["USER alice", "USER bob", "END WHO"]);
    expect(alice.closedByServer).toBe(true);
    await expectLines(bob, "INFO alice disconnected");
  });
});

import { Duplex } from "node:stream";
import { Link, type LinkEvents } from "../../../src/client/link";
import type { Send } from "../../../src/client/input";
import { TRY_FOR_MS } from "../../../src/client-shared/reconnection";
import { FakeClock } from "../../../src/testing/fake-clock";

/** Lets the streams and the promises of this turn run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The server's end of one connection: what the client wrote, line by line, and lines to send it. */
class ServerEnd {
  readonly written: string[] = [];
  readonly socket = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _encoding, done) => {
      this.written.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });

  say(...lines: string[]): void {
    this.socket.push(lines.map((line) => `${line}\n`).join(""));
  }

  /** Says `lines`, if any, then closes the connection, each taken in by the link before the next. */
  async hangUp(...lines: string[]): Promise<void> {
    if (lines.length > 0) {
      this.say(...lines);
      await settle();
    }
    this.socket.destroy();
    await settle();
  }
}

const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
/** Chance that leaves each wait between attempts as it is (neither shortened nor lengthened). */
const even = (): number => 0.5;

describe("chat-client's link to the server", () => {
  let clock: FakeClock;
  /** What the link told the program, in order. */
  let told: string[];
  /** The connections the link gets, in order; once none are left, connecting is refused. */
  let connections: ServerEnd[];
  /** When the link tried to connect. */
  let attempts: number[];
  let link: Link<Send>;

  const events: LinkEvents<Send> = {
    loggedIn: (notice) => told.push(`logged in${notice === null ? "" : `: ${notice}`}`),
    line: (line, answering) => told.push(`${line}${answering === null ? "" : ` (answers ${answering.send})`}`),
    reconnecting: (failure) => told.push(`reconnecting${failure === null ? "" : `: ${failure}`}`),
    restarting: () => told.push("restarting"),
    resumed: () => told.push("resumed"),
    unconfirmed: (command) => told.push(`unconfirmed ${command.send}`),
    refused: (line) => told.push(`refused ${line}`),
    closed: (quitting) => told.push(`closed${quitting ? " (quit)" : ""}`),
  };

  beforeEach(() => {
    clock = new FakeClock();
    told = [];
    connections = [];
    attempts = [];
    link = new Link<Send>(
      { host: "chat.test", port: 4000 },
      "alice",
      events,
      clock,
      () => {
        attempts.push(clock.now());
        const next = connections.shift();
        return next === undefined ? Promise.reject(refused) : Promise.resolve(next.socket);
      },
      even,
    );
  });

  /** Started, logged in, resumable with token t1. */
  async function loggedIn(): Promise<ServerEnd> {
    const server = new ServerEnd();
    connections.push(server);
    await link.start();
    server.say("OK", "TOKEN t1");
    await settle();
    expect(server.written).toEqual(["LOGIN alice", "RESUMABLE"]);
    told = [];
    return server;
  }

  /** Logged in, then the server restarted: the link waits for it, its first attempt due in 250 ms. */
  async function restarted(): Promise<void> {
    const server = await loggedIn();
    await server.hangUp("INFO server-shutdown");
    expect(told).toEqual(["INFO server-shutdown", "restarting"]);
    told = [];
  }

  /** Moves the clock by `ms`, letting each connection attempt it sets off run its course. */
  async function advance(ms: number): Promise<void> {
    for (let step = 0; step < ms; step += 250) {
      clock.advance(Math.min(250, ms - step));
      await settle();
    }
  }

  it("tells which command an ERR answers: the PING after each command marks where its answers end", async () => {
    const server = await loggedIn();
    link.send({ send: "DM carol hi", says: "/dm carol hi" });
    link.send({ send: "MSG everyone" });
    link.ping();
    link.send({ send: "JOIN #dev", ok: "you joined #dev" });
    server.say("ERR user-not-found carol", "MSG bob hello", "PONG", "PONG", "PONG", "OK", "PONG", "ERR line-too-long");
    await settle();
    expect(server.written.slice(2)).toEqual(["DM carol hi", "PING", "MSG everyone", "PING", "PING", "JOIN #dev", "PING"]);
    expect(told).toEqual(["ERR user-not-found carol (answers DM carol hi)", "MSG bob hello", "OK (answers JOIN #dev)", "ERR line-too-long"]);
  });

  it("logs in afresh, after a restart, under the name a NICK answered OK gave it; a refused NICK changes nothing", async () => {
    const server = await loggedIn();
    link.send({ send: "NICK bob", rename: "bob" });
    link.send({ send: "NICK alicia", rename: "alicia" });
    server.say("ERR username-taken", "PONG", "OK", "PONG");
    await server.hangUp("INFO server-shutdown");
    const restarted = new ServerEnd();
    connections.push(restarted);
    await advance(250);
    expect(restarted.written).toEqual(["LOGIN alicia"]);
    restarted.say("OK");
    await settle();
    expect(told.at(-1)).toBe("logged in: reconnected as alicia; what was said meanwhile was missed");
  });

  it("after a resume, says which commands the replay left unanswered: they may never have reached the server", async () => {
    const server = await loggedIn();
    server.say("MSG bob before");
    link.send({ send: "DM carol one" });
    link.send({ send: "MSG two" });
    await settle();
    await server.hangUp();
    expect(told).toEqual(["MSG bob before", "reconnecting"]);

    const again = new ServerEnd();
    connections.push(again);
    link.send({ send: "MSG typed while away" });
    await advance(250);
    expect(again.written).toEqual(["RESUME t1 1"]);
    // The replay: the first DM's answer and its PING's; then the token asked for after RESUMED.
    again.say("RESUMED alice t2", "ERR user-not-found carol", "PONG", "TOKEN t3", "PONG");
    await settle();
    expect(again.written).toEqual(["RESUME t1 1", "RESUMABLE", "MSG typed while away", "PING"]);
    expect(told.slice(2)).toEqual(["resumed", "ERR user-not-found carol (answers DM carol one)", "unconfirmed MSG two"]);
  });

  it("reconnects after a server restart, 250 ms then doubling to 4 s, logs in afresh, and says so", async () => {
    const server = await loggedIn();
    link.send({ send: "MSG unanswered" });
    await server.hangUp("INFO server-shutdown");
    expect(told).toEqual(["INFO server-shutdown", "restarting"]);

    await advance(3750);
    const restarted = new ServerEnd();
    connections.push(restarted);
    await advance(4000);
    expect(attempts).toEqual([0, 250, 750, 1750, 3750, 7750]);
    expect(restarted.written).toEqual(["LOGIN alice"]);
    restarted.say("OK");
    await settle();
    expect(restarted.written).toEqual(["LOGIN alice", "RESUMABLE"]);
    expect(told.slice(2)).toEqual([
      "reconnecting: connection refused (is the server running?)",
      "unconfirmed MSG unanswered",
      "logged in: reconnected as alice; what was said meanwhile was missed",
    ]);
  });

  it.each([
    ["its connection dropped", (server: ServerEnd) => server.hangUp()],
    ["the server said it was restarting", (server: ServerEnd) => server.hangUp("INFO server-shutdown")],
  ])("gives up two minutes after %s", async (_, end) => {
    await end(await loggedIn());
    await advance(TRY_FOR_MS + 4000);
    expect(told.at(-1)).toBe("closed");
    expect(told.filter((event) => event === "closed")).toHaveLength(1);
    // The last try, then nothing: the next would have come after the two minutes.
    expect(attempts.at(-1)).toBeLessThanOrEqual(TRY_FOR_MS);
    expect(attempts.at(-1)! + 4000).toBeGreaterThan(TRY_FOR_MS);
    expect(clock.pending).toBe(0);
  });

  it("waits for a server that shuts down during the first login, and logs in once it is back", async () => {
    const server = new ServerEnd();
    connections.push(server);
    await link.start();
    await server.hangUp("INFO server-shutdown");
    const back = new ServerEnd();
    connections.push(back);
    await advance(250);
    back.say("OK");
    await settle();
    expect(back.written).toEqual(["LOGIN alice", "RESUMABLE"]);
    expect(told).toEqual(["restarting", "logged in"]);
  });

  it("asks again for a name still taken on the connection that was refused it, not on the next one", async () => {
    await restarted();
    const refusedOn = new ServerEnd();
    const next = new ServerEnd();
    connections.push(refusedOn, next);
    await advance(250);
    await refusedOn.hangUp("ERR username-taken");
    await advance(500);
    next.say("OK");
    await advance(2000);
    expect(refusedOn.written).toEqual(["LOGIN alice"]);
    expect(next.written).toEqual(["LOGIN alice", "RESUMABLE"]);
    expect(told).toEqual(["logged in: reconnected as alice; what was said meanwhile was missed"]);
  });

  it.each([
    ["a connection over a limit of the server's", "ERR too-many-connections"],
    ["the node holding the session did not answer", "ERR resume-refused unavailable"],
  ])("keeps the session when %s: tried again on a new connection", async (_, answer) => {
    const server = await loggedIn();
    server.say("MSG bob hi");
    await settle();
    await server.hangUp();
    const first = new ServerEnd();
    const again = new ServerEnd();
    connections.push(first, again);
    await advance(250);
    first.say(answer);
    await settle();
    expect(first.socket.destroyed).toBe(true);
    // The waits go on growing: 500 ms.
    await advance(500);
    expect(attempts).toEqual([0, 250, 750]);
    expect(first.written).toEqual(["RESUME t1 1"]);
    expect(again.written).toEqual(["RESUME t1 1"]);
    again.say("RESUMED alice t2");
    await settle();
    expect(told).toEqual(["MSG bob hi", "reconnecting", "resumed"]);
  });

  it("logs in afresh when its resume is refused, asking again every 2 s for a name still taken, while within two minutes of the drop", async () => {
    const server = await loggedIn();
    await server.hangUp();
    const back = new ServerEnd();
    connections.push(back);
    await advance(250);
    back.say("ERR resume-refused unknown-token");
    await settle();
    expect(back.written).toEqual(["RESUME t1 0", "LOGIN alice"]);
    back.say("ERR username-taken");
    await advance(2000);
    expect(back.written).toEqual(["RESUME t1 0", "LOGIN alice", "LOGIN alice"]);
    // At 118 s the next try, at 120 s, is the last within the two minutes.
    await advance(118_000 - clock.now());
    back.say("ERR username-taken");
    await advance(2000);
    expect(back.written).toEqual(["RESUME t1 0", "LOGIN alice", "LOGIN alice", "LOGIN alice"]);
    back.say("ERR username-taken");
    await advance(2000);
    // Past the two minutes: no fifth try.
    expect(back.written).toEqual(["RESUME t1 0", "LOGIN alice", "LOGIN alice", "LOGIN alice"]);
    expect(told).toEqual(["reconnecting", "refused ERR username-taken"]);
  });

  it("logs in afresh after a drop when the server gave it no resume token", async () => {
    const server = new ServerEnd();
    connections.push(server);
    await link.start();
    server.say("OK", "ERR resume-refused disabled");
    await settle();
    link.send({ send: "MSG unanswered" });
    await server.hangUp();
    const back = new ServerEnd();
    connections.push(back);
    await advance(250);
    back.say("OK");
    await settle();
    expect(back.written).toEqual(["LOGIN alice", "RESUMABLE"]);
    expect(told).toEqual([
      "logged in",
      "reconnecting",
      "unconfirmed MSG unanswered",
      "logged in: reconnected as alice; what was said meanwhile was missed",
    ]);
  });

  it("gives up when the connection drops before the first login is answered: there is nothing to get back to", async () => {
    const server = new ServerEnd();
    connections.push(server);
    await link.start();
    await server.hangUp();
    expect(told).toEqual(["closed"]);
    expect(attempts).toEqual([0]);
    expect(clock.pending).toBe(0);
  });

  it.each(["ERR server-full", "ERR username-taken"])("takes %s, the answer to its first login, as a refusal: nothing is tried again", async (answer) => {
    const server = new ServerEnd();
    connections.push(server);
    await link.start();
    server.say(answer);
    await settle();
    expect(told).toEqual([`refused ${answer}`]);
    expect(server.written).toEqual(["LOGIN alice"]);
    expect(clock.pending).toBe(0);
  });

  it("goes on waiting for a restarting server whose first connections are over a limit", async () => {
    await restarted();
    const limited = new ServerEnd();
    const back = new ServerEnd();
    connections.push(limited, back);
    await advance(250);
    await limited.hangUp("ERR connection-rate-exceeded");
    await advance(500);
    back.say("OK");
    await settle();
    expect(told).toEqual(["logged in: reconnected as alice; what was said meanwhile was missed"]);
  });

  it("takes nothing up again once quit while reconnecting, not even the connection being made", async () => {
    const server = await loggedIn();
    await server.hangUp();
    const late = new ServerEnd();
    connections.push(late);
    clock.advance(250); // the attempt starts; its connection comes in a later turn
    link.quit();
    await settle();
    expect(late.written).toEqual([]);
    expect(late.socket.destroyed).toBe(true);
    expect(told).toEqual(["reconnecting", "closed (quit)"]);
    expect(clock.pending).toBe(0);
  });

  it("ends after the other farewells", async () => {
    for (const farewell of ["INFO bye", "ERR idle-timeout", "ERR send-queue-exceeded"]) {
      told = [];
      const server = new ServerEnd();
      link = new Link<Send>({ host: "chat.test", port: 4000 }, "alice", events, clock, () => Promise.resolve(server.socket));
      await link.start();
      await server.hangUp("OK", "TOKEN t1", farewell);
      expect(told).toEqual(["logged in", farewell, "closed"]);
      expect(clock.pending).toBe(0);
    }
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { connectJson, ISO_TIME, nextFrame, sendFrame, unstamped, type Frame } from "../support/json-client";
import { ULID, ulidTime } from "../support/ulid";
import { readThrough } from "../support/numbered";
import { TcpClient } from "../support/tcp-client";
import { WsClient } from "../support/ws-client";

/*
 * Message ids across a cluster of real server processes and a real
 * redis-server (see the cluster fixture): one id and one time for one
 * message, whatever node and door show it, and no message shown twice to a
 * user who logs in on one node while another's users are talking.
 */

/** For tests that start several processes and stream hundreds of messages: room for a loaded machine. */
const SLOW_TEST_MS = 30_000;

/** A user of the JSON API (/api on a node's web port): frames in, frames out, parsed. */
class JsonUser {
  constructor(readonly client: WsClient) {}

  /** Connects and asks to log in; the answer, and the history when the node has the plugin, are left to read. */
  static async connect(port: number, name: string): Promise<JsonUser> {
    const user = new JsonUser(await connectJson(port));
    user.send({ type: "login", name });
    return user;
  }

  /** Logs in, without the history plugin: `ok` is read. */
  static async login(port: number, name: string): Promise<JsonUser> {
    const user = await JsonUser.connect(port, name);
    expect(await user.next()).toEqual({ type: "ok" });
    return user;
  }

  send(frame: Frame): void {
    sendFrame(this.client, frame);
  }

  next(): Promise<Frame> {
    return nextFrame(this.client);
  }

  /** The next message event, past any other event (logins). */
  async nextMessage(): Promise<Frame> {
    for (;;) {
      const frame = await this.next();
      if (frame.type === "message") return frame;
    }
  }

  /** Proves that no message came before the answer to a ping: every frame until `pong` is another kind of event. */
  async noMoreMessages(): Promise<void> {
    this.send({ type: "ping" });
    for (let frame = await this.next(); frame.type !== "pong"; frame = await this.next()) expect(frame).not.toMatchObject({ type: "message" });
  }
}

/** Proves that nothing else came before: the next line is the answer to a PING. */
async function nothingMore(client: TcpClient): Promise<void> {
  client.send("PING");
  expect(await client.readLine()).toBe("PONG");
}

/** An id and a time as the API shows them, read from a frame. */
function identity(frame: Frame): { id: string; at: string } {
  return { id: frame.id as string, at: frame.at as string };
}

describeCluster("message ids on a cluster of servers through Redis", () => {
  const cluster = clusterPerTest("1");
  afterEach(() => WsClient.closeAll());

  /** A node serving the JSON API on a web port of its own: its TCP and web ports. */
  async function startNode(name: string, ...args: string[]): Promise<{ tcp: number; web: number }> {
    const { node, port } = await cluster.start(name, "--web-port", "0", "--web-host", "127.0.0.1", ...args);
    return { tcp: port, web: await node.port("web") };
  }

  describe("without history", () => {
    /** JSON users on A and B, TCP users on A and B, logged in in that order. */
    let ann: JsonUser;
    let bob: JsonUser;
    let cal: TcpClient;
    let dee: TcpClient;
    /** B's web port. */
    let bWeb: number;

    beforeEach(async () => {
      const [a, b] = await Promise.all([startNode("a"), startNode("b")]);
      bWeb = b.web;
      ann = await JsonUser.login(a.web, "ann");
      bob = await JsonUser.login(b.web, "bob");
      expect(await ann.next()).toEqual({ type: "arrived", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME), user: "bob" });
      cal = await TcpClient.login(a.tcp, "cal");
      dee = await TcpClient.login(b.tcp, "dee");
      // Each JSON user has seen every later login (one from its own node, one through the bus: in
      // either order), and what comes next is the test's.
      for (const user of [ann, bob]) {
        expect((await user.client.readLines(2)).map(unstamped).sort()).toEqual(['{"type":"arrived","user":"cal"}', '{"type":"arrived","user":"dee"}']);
      }
    });

    it("shows a message from A to everyone on B with the id and time of A's `sent`; the line protocol shows no id", async () => {
      const before = Date.now();
      ann.send({ type: "send", text: "hello from a", id: "m1" });
      const sent = await ann.next();
      expect(sent).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME), for: "m1" });
      const { id, at } = identity(sent);
      expect(Date.parse(at)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
      expect(ulidTime(id)).toBe(Date.parse(at));
      expect(await bob.client.readLine()).toBe(`{"type":"message","id":"${id}","at":"${at}","from":"ann","to":"everyone","text":"hello from a"}`);
      for (const client of [cal, dee]) {
        expect(await client.readLine()).toBe("MSG ann hello from a");
        await nothingMore(client);
      }
      for (const user of [ann, bob]) await user.noMoreMessages();
    });

    it("gives each message one id on every node: each JSON user sees each once, each sender's ids increasing, times within the test", async () => {
      const ROUNDS = 15;
      const before = Date.now();
      // A, B, A, B ...: each round, ann (A), bob (B), cal (A), dee (B) say one message each, without waiting.
      for (let round = 0; round < ROUNDS; round++) {
        ann.send({ type: "send", text: `ann ${round}`, id: `ann ${round}` });
        bob.send({ type: "send", text: `bob ${round}`, id: `bob ${round}` });
        cal.send(`MSG cal ${round}`);
        dee.send(`MSG dee ${round}`);
      }
      const senders = ["ann", "bob", "cal", "dee"];
      const said = (sender: string): string[] => Array.from({ length: ROUNDS }, (_, round) => `${sender} ${round}`);
      const everything = senders.flatMap(said);

      // What each JSON user was shown of each message (of its own, the `sent`), by text.
      const seen = new Map<JsonUser, Map<string, { id: string; at: string }>>();
      for (const user of [ann, bob]) {
        const shown: { text: string; id: string; at: string }[] = [];
        for (let i = 0; i < everything.length; i++) {
          const frame = await user.next();
          const text = frame.type === "sent" ? (frame.for as string) : (frame.text as string);
          if (frame.type === "sent") expect(frame).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME), for: text });
          else expect(frame).toEqual({ type: "message", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME), from: text.split(" ")[0], to: "everyone", text });
          shown.push({ text, ...identity(frame) });
        }
        await user.noMoreMessages();
        expect(shown.map(({ text }) => text).sort()).toEqual([...everything].sort()); // each once
        // A sender's messages come in the order said, their ids increasing.
        for (const sender of senders) {
          const fromSender = shown.filter(({ text }) => text.startsWith(`${sender} `));
          expect(fromSender.map(({ text }) => text)).toEqual(said(sender));
          const ids = fromSender.map(({ id }) => id);
          expect(ids).toEqual([...ids].sort());
          expect(new Set(ids).size).toBe(ROUNDS);
        }
        seen.set(user, new Map(shown.map(({ text, id, at }) => [text, { id, at }])));
      }
      const after = Date.now();

      // One id and one time per message, whichever node showed it; every id its own.
      expect(seen.get(bob)).toEqual(seen.get(ann));
      const identities = [...seen.get(ann)!.values()];
      expect(new Set(identities.map(({ id }) => id)).size).toBe(everything.length);
      for (const { id, at } of identities) {
        expect(Date.parse(at)).toBeGreaterThanOrEqual(before);
        expect(Date.parse(at)).toBeLessThanOrEqual(after);
        expect(ulidTime(id)).toBe(Date.parse(at));
      }

      // The TCP users see every message but their own, once, each sender's in order.
      for (const [name, client] of [["cal", cal], ["dee", dee]] as const) {
        const lines = await client.readLines(everything.length - ROUNDS);
        await nothingMore(client);
        for (const sender of senders.filter((sender) => sender !== name)) {
          expect(lines.filter((line) => line.startsWith(`MSG ${sender} `))).toEqual(said(sender).map((text) => `MSG ${sender} ${text}`));
        }
      }
    }, SLOW_TEST_MS);

    it("gives a DM from B to A one id at both ends: the sender's `sent`, the recipient's message", async () => {
      bob.send({ type: "send", text: "just you", to: { user: "ann" }, id: "dm" });
      const sent = await bob.next();
      expect(sent).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME), for: "dm" });
      const { id, at } = identity(sent);
      expect(await ann.next()).toEqual({ type: "message", id, at, from: "bob", to: { user: "ann" }, text: "just you" });
      await nothingMore(cal);
      await nothingMore(dee);
      await bob.noMoreMessages();
    });

    it("resumes a JSON session of A's on B from the last event id it got: what it missed, once, with the ids it had on A", async () => {
      ann.send({ type: "resumable", id: "r" });
      const { token } = await ann.next();
      dee.send("MSG seen on a");
      const seen = await ann.nextMessage();
      ann.client.reset();
      dee.send("MSG missed");
      cal.send("MSG missed too");
      // Each node has each sender's messages in order, but not two senders' on two nodes: compared by text.
      const byText = (frames: Frame[]): Frame[] => frames.sort((x, y) => String(x.text).localeCompare(String(y.text)));
      expect(await bob.nextMessage()).toMatchObject({ ...identity(seen), text: "seen on a" });
      const missed = byText([await bob.nextMessage(), await bob.nextMessage()]).map(identity);

      const phone = new JsonUser(await connectJson(bWeb));
      phone.send({ type: "resume", token, after: seen.id });
      expect(await phone.next()).toEqual({ type: "resumed", name: "ann", token: expect.any(String) });
      expect(byText([await phone.nextMessage(), await phone.nextMessage()])).toEqual([
        { type: "message", ...missed[0], from: "dee", to: "everyone", text: "missed" },
        { type: "message", ...missed[1], from: "cal", to: "everyone", text: "missed too" },
      ]);
      cal.send("MSG live");
      expect(await phone.nextMessage()).toMatchObject({ type: "message", from: "cal", text: "live" });
      await phone.noMoreMessages();
      expect(await dee.readLines(2)).toEqual(["MSG cal missed too", "MSG cal live"]);
      dee.send("WHO");
      // Nobody noticed: no departure, and ann is where she was in the login order.
      expect(await dee.readLines(5)).toEqual(["USER ann", "USER bob", "USER cal", "USER dee", "END WHO"]);
    }, SLOW_TEST_MS);
  });

  describe("with history", () => {
    let configDir: string;
    beforeEach(() => {
      configDir = mkdtempSync(join(tmpdir(), "chat-cluster-ids-"));
    });
    afterEach(() => rmSync(configDir, { recursive: true, force: true }));

    /** The history plugin keeping more than a stream's messages: a login mid-stream is replayed all that came before. */
    function historyConfig(): string {
      const path = join(configDir, "plugins.config.json");
      writeFileSync(path, JSON.stringify({ plugins: ["login", "msg", "who", "dm", "ping", "quit", "history"], options: { history: { size: 10_000 } } }));
      return path;
    }

    /** Logs a JSON user in: the messages of its history (after `ok`), and the user, to read what comes live. */
    async function jsonLogin(port: number, name: string): Promise<{ history: Frame[]; user: JsonUser }> {
      const user = await JsonUser.connect(port, name);
      expect(await user.next()).toEqual({ type: "ok" });
      const history = await user.next();
      expect(history).toMatchObject({ type: "history", messages: expect.any(Array) });
      return { history: history.messages as Frame[], user };
    }

    /** Logs a TCP user in: the lines of its history (before `END HISTORY`), and the client, to read what comes live. */
    async function tcpLogin(port: number, name: string): Promise<{ history: string[]; client: TcpClient }> {
      const client = await TcpClient.login(port, name);
      return { history: (await readThrough(client, "END HISTORY")).slice(0, -1), client };
    }

    it("shows a user who logs in on B while a user on A talks every message once: in the history or live, none twice, none missing", async () => {
      const config = historyConfig();
      const [a, b] = await Promise.all([startNode("a", "--config", config), startNode("b", "--config", config)]);
      const sam = await jsonLogin(a.web, "sam");
      const olga = await jsonLogin(b.web, "olga"); // on B from the start: the ids as B shows them live
      expect([sam.history, olga.history]).toEqual([[], []]);

      // Logins on B at several points of the stream, a JSON user and a TCP user each time, not waited for.
      const LOGINS_AT = [30, 70, 110, 150];
      const jsonLogins: Promise<{ history: Frame[]; user: JsonUser }>[] = [];
      const tcpLogins: Promise<{ history: string[]; client: TcpClient }>[] = [];
      let pending = 0;
      const track = <T>(login: Promise<T>): Promise<T> => {
        pending++;
        return login.finally(() => pending--);
      };
      const texts: string[] = [];
      const ids = new Map<string, { id: string; at: string }>();
      // One message at a time, the next once B has shown it: a steady stream, a message always on its way,
      // until 200 are said and every login has had its history, so that each login is in the middle of it.
      for (let i = 0; i < 200 || pending > 0; i++) {
        const text = `m${i}`;
        texts.push(text);
        sam.user.send({ type: "send", text });
        const message = await olga.user.nextMessage();
        expect(message).toMatchObject({ from: "sam", text });
        ids.set(text, identity(message));
        const round = LOGINS_AT.indexOf(i);
        if (round >= 0) {
          jsonLogins.push(track(jsonLogin(b.web, `json${round}`)));
          tcpLogins.push(track(tcpLogin(b.tcp, `tcp${round}`)));
        }
      }
      const last = texts[texts.length - 1]!;

      for (const login of jsonLogins) {
        const { history, user } = await login;
        const live: Frame[] = [];
        while (live[live.length - 1]?.text !== last) live.push(await user.nextMessage());
        await user.noMoreMessages();
        // Mid-stream: some messages in the history, the rest live, each with the id and time B's observer saw.
        expect(history.length).toBeGreaterThan(0);
        expect(live.length).toBeGreaterThan(0);
        expect([...history, ...live].map((frame) => frame.text)).toEqual(texts);
        for (const frame of history) expect(frame).toEqual({ ...ids.get(frame.text as string), from: "sam", text: frame.text });
        for (const frame of live) expect(frame).toEqual({ type: "message", ...ids.get(frame.text as string), from: "sam", to: "everyone", text: frame.text });
      }
      for (const login of tcpLogins) {
        const { history, client } = await login;
        const live = await readThrough(client, `MSG sam ${last}`);
        await nothingMore(client);
        expect(history.length).toBeGreaterThan(0);
        expect(live.length).toBeGreaterThan(0);
        expect([...history.map((line) => line.replace(/^HISTORY sam /, "")), ...live.map((line) => line.replace(/^MSG sam /, ""))]).toEqual(texts);
      }
    }, SLOW_TEST_MS);
  });
});

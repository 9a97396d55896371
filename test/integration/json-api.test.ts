import { SystemClock } from "../../src/adapters/clock/system-clock";
import { JSON_API_PATH } from "../../src/adapters/json/json-connection";
import { DEFAULT_CONFIG, DEFAULT_PLUGINS, type ServerConfig } from "../../src/composition-root";
import type { ClockPort } from "../../src/core/ports/clock.port";
import { definePlugin } from "../../src/core/plugin-api";
import { FakeClock } from "../../src/testing/fake-clock";
import { IrcClient } from "../support/irc-client";
import { connectJson as connect, ISO_TIME, loginJson, nextFrame as next, sendFrame as send, unstamped } from "../support/json-client";
import { ULID } from "../support/ulid";
import { startTcpServer, type RunningServer } from "../support/tcp-server";
import { TcpClient } from "../support/tcp-client";
import { WsClient } from "../support/ws-client";

/**
 * The server as the door list builds it, with TCP, the web port (which
 * serves the JSON API at /api beside /ws) and IRC (server name chat.test),
 * on ports the OS picks.
 */
function startJsonServer(config: Partial<ServerConfig> = {}, clock: ClockPort = new SystemClock()): Promise<RunningServer> {
  return startTcpServer({ web: { port: 0, host: "127.0.0.1" }, irc: { port: 0, host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" }, ...config }, { clock });
}

const ROOMS = [...DEFAULT_PLUGINS, "rooms"].map((name) => ({ name }));
/** The sender's answer to a message: its id and the time it was accepted. */
const SENT = { type: "sent", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME) };
/** A message event's id and time. */
const IDENTITY = { id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME) };


describe("the JSON API: WebSocket at /api", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("logs in, and answers each frame with its id as `for`", async () => {
    server = await startJsonServer();
    const client = await connect(server.webPort);
    send(client, { type: "send", text: "too early", id: "s0" });
    expect(await client.readLine()).toBe('{"type":"error","code":"must-login-first","for":"s0"}');
    send(client, { type: "login", name: "alice", id: "l1" });
    expect(await client.readLine()).toBe('{"type":"ok","for":"l1"}');
    send(client, { type: "login", name: "alice2", id: "l2" });
    expect(await client.readLine()).toBe('{"type":"error","code":"already-logged-in","for":"l2"}');
    send(client, { type: "ping" });
    expect(await client.readLine()).toBe('{"type":"pong"}');
    const other = await connect(server.webPort);
    send(other, { type: "login", name: "ALICE", id: "taken" });
    expect(await other.readLine()).toBe('{"type":"error","code":"username-taken","for":"taken"}');
    send(client, { type: "who", id: "w" });
    expect(await client.readLine()).toBe('{"type":"users","users":["alice"],"for":"w"}');
  });

  it("sends to everyone, to a room, to a user: the sender is answered `sent` with the message's id and time, the recipients get the message", async () => {
    const clock = new FakeClock();
    server = await startJsonServer({ plugins: ROOMS, rateLimitPerSecond: 0 }, clock);
    const alice = await loginJson(server.webPort, "alice");
    const bob = await loginJson(server.webPort, "bob");
    expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"bob"}');
    const carol = await loginJson(server.webPort, "carol");
    expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"carol"}');
    expect(unstamped(await bob.readLine())).toBe('{"type":"arrived","user":"carol"}');
    send(alice, { type: "join", room: "#dev", id: "j" });
    expect(await alice.readLine()).toBe('{"type":"ok","for":"j"}');
    send(bob, { type: "join", room: "#Dev" });
    expect(await bob.readLine()).toBe('{"type":"ok"}');
    expect(unstamped(await alice.readLine())).toBe('{"type":"joined","user":"bob","room":"#dev"}');

    send(alice, { type: "send", text: "#1 is not a room here", id: "m1" });
    const first = await next(alice);
    expect(first).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: "2026-01-01T00:00:00.000Z", for: "m1" });
    const toEveryone = `{"type":"message","id":"${first.id as string}","at":"2026-01-01T00:00:00.000Z","from":"alice","to":"everyone","text":"#1 is not a room here"}`;
    expect(await bob.readLine()).toBe(toEveryone);
    expect(await carol.readLine()).toBe(toEveryone);

    clock.advance(1500);
    send(alice, { type: "send", text: "dev only", to: { room: "#DEV" }, id: "m2" });
    const second = await next(alice);
    expect(second).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: "2026-01-01T00:00:01.500Z", for: "m2" });
    expect(await next(bob)).toEqual({ type: "message", id: second.id, at: second.at, from: "alice", to: { room: "#dev" }, text: "dev only" });

    clock.advance(1);
    send(alice, { type: "send", text: "just you", to: { user: "carol" }, id: "m3" });
    const third = await next(alice);
    expect(third).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: "2026-01-01T00:00:01.501Z", for: "m3" });
    // carol is not in #dev: her next frame is the DM.
    expect(await next(carol)).toEqual({ type: "message", id: third.id, at: third.at, from: "alice", to: { user: "carol" }, text: "just you" });
    expect([first.id, second.id, third.id]).toEqual([first.id, second.id, third.id].sort());
    expect(new Set([first.id, second.id, third.id]).size).toBe(3);

    send(bob, { type: "members", room: "#dev", id: "ms" });
    expect(await bob.readLine()).toBe('{"type":"members","room":"#dev","members":["alice","bob"],"operators":["alice"],"for":"ms"}');
    send(bob, { type: "rooms" });
    expect(await bob.readLine()).toBe('{"type":"rooms","rooms":[{"name":"#dev","members":2}]}');
    send(bob, { type: "part", room: "#dev" });
    expect(await bob.readLine()).toBe('{"type":"ok"}');
    expect(unstamped(await alice.readLine())).toBe('{"type":"parted","user":"bob","room":"#dev"}');
    send(bob, { type: "send", text: "still there?", to: { room: "#dev" }, id: "m4" });
    expect(await bob.readLine()).toBe('{"type":"error","code":"not-in-room","subject":"#dev","for":"m4"}');
    send(carol, { type: "whois", names: ["bob", "nobody", "alice"], id: "wi" });
    expect(await carol.readLine()).toBe('{"type":"users","users":["bob","alice"],"for":"wi"}');
    send(carol, { type: "quit", id: "q" });
    expect(await carol.readUntilClosed()).toEqual({ lines: ['{"type":"bye","for":"q"}'], code: 1000, reason: "" });
    expect(unstamped(await alice.readLine())).toBe('{"type":"left","user":"carol","reason":"quit"}');
    expect(unstamped(await bob.readLine())).toBe('{"type":"left","user":"carol","reason":"quit"}');
  });

  it("answers a login with the history too, both for the login's id, each message with its id and time", async () => {
    const clock = new FakeClock();
    server = await startJsonServer({ plugins: [...DEFAULT_PLUGINS, "history"].map((name) => ({ name })) }, clock);
    const carol = await connect(server.webPort);
    send(carol, { type: "login", name: "carol" });
    expect(await carol.readLines(2)).toEqual(['{"type":"ok"}', '{"type":"history","messages":[]}']);
    const bob = await TcpClient.login(server.port, "bob");
    expect(await bob.readLine()).toBe("END HISTORY");
    expect(unstamped(await carol.readLine())).toBe('{"type":"arrived","user":"bob"}');
    bob.send("MSG before you came");
    const { id } = await next(carol);
    expect(id).toMatch(ULID);
    const alice = await connect(server.webPort);
    send(alice, { type: "login", name: "alice", id: "l" });
    expect(await alice.readLines(2)).toEqual([
      '{"type":"ok","for":"l"}',
      `{"type":"history","messages":[{"id":"${id as string}","at":"2026-01-01T00:00:00.000Z","from":"bob","text":"before you came"}],"for":"l"}`,
    ]);
  });

  it("is one chat with TCP, web (/ws) and IRC users", async () => {
    server = await startJsonServer();
    const alice = await loginJson(server.webPort, "alice");
    const bob = await TcpClient.login(server.port, "bob");
    expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"bob"}');
    const carol = await IrcClient.register(server.ircPort, "carol");
    expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"carol"}');
    const dave = await WsClient.login(server.webPort, "dave");
    expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"dave"}');

    // The text is the text: the line protocol escapes a leading # for its readers, JSON and IRC need not.
    send(alice, { type: "send", text: "#1 hello" });
    expect(await next(alice)).toEqual(SENT);
    expect(await bob.readLine()).toBe("MSG alice \\#1 hello");
    expect(await carol.waitFor(/PRIVMSG/)).toBe(":alice!alice@chat.test PRIVMSG #lobby :#1 hello");
    bob.send("MSG \\#2 from TCP");
    expect(await next(alice)).toEqual({ type: "message", ...IDENTITY, from: "bob", to: "everyone", text: "#2 from TCP" });
    expect(await carol.waitFor(/PRIVMSG/)).toBe(":bob!bob@chat.test PRIVMSG #lobby :#2 from TCP");
    carol.client.say("#lobby", "from IRC");
    expect(await next(alice)).toEqual({ type: "message", ...IDENTITY, from: "carol", to: "everyone", text: "from IRC" });
    expect(await bob.readLine()).toBe("MSG carol from IRC");
    expect(await dave.readLines(3)).toEqual(["MSG alice \\#1 hello", "MSG bob \\#2 from TCP", "MSG carol from IRC"]);
    dave.send("MSG from the web");
    expect(await next(alice)).toEqual({ type: "message", ...IDENTITY, from: "dave", to: "everyone", text: "from the web" });
    expect(await bob.readLine()).toBe("MSG dave from the web");
    expect(await carol.waitFor(/PRIVMSG/)).toBe(":dave!dave@chat.test PRIVMSG #lobby :from the web");

    send(alice, { type: "send", text: "psst", to: { user: "carol" } });
    expect(await next(alice)).toEqual(SENT);
    expect(await carol.waitFor(/PRIVMSG/)).toBe(":alice!alice@chat.test PRIVMSG carol :psst");
    carol.client.say("alice", "psst back");
    expect(await next(alice)).toEqual({ type: "message", ...IDENTITY, from: "carol", to: { user: "alice" }, text: "psst back" });
    bob.send("DM alice hi alice");
    expect(await next(alice)).toEqual({ type: "message", ...IDENTITY, from: "bob", to: { user: "alice" }, text: "hi alice" });
    send(alice, { type: "send", text: "hi bob", to: { user: "bob" } });
    expect(await next(alice)).toEqual(SENT);
    expect(await bob.readLine()).toBe("DM alice hi bob");

    send(alice, { type: "who" });
    expect(await alice.readLine()).toBe('{"type":"users","users":["alice","bob","carol","dave"]}');
    bob.send("QUIT");
    expect(unstamped(await alice.readLine())).toBe('{"type":"left","user":"bob","reason":"quit"}');
    expect(await dave.readLine()).toBe("INFO bob disconnected");
    expect(await carol.waitFor(/ QUIT /)).toBe(":bob!bob@chat.test QUIT :Quit");
    send(alice, { type: "quit" });
    expect(await alice.readUntilClosed()).toEqual({ lines: ['{"type":"bye"}'], code: 1000, reason: "" });
    expect(await carol.waitFor(/ QUIT /)).toBe(":alice!alice@chat.test QUIT :Quit");
  });

  it("answers each bad frame with a typed error and goes on reading", async () => {
    server = await startJsonServer({ maxLineBytes: 100, rateLimitPerSecond: 0 });
    const client = await loginJson(server.webPort, "alice");
    const cases: [string | Buffer, string][] = [
      ["not json", '{"type":"error","code":"invalid-json"}'],
      ['[{"type":"ping"}]', '{"type":"error","code":"invalid-json"}'],
      ["null", '{"type":"error","code":"invalid-json"}'],
      ['{"type":"login","name":5,"id":"a"}', '{"type":"error","code":"invalid-frame","subject":"/name: Expected string","for":"a"}'],
      ['{"type":"send","id":"b"}', '{"type":"error","code":"invalid-frame","subject":"/text: Expected required property","for":"b"}'],
      ['{"type":"send","text":"x","to":{"room":1}}', '{"type":"error","code":"invalid-frame","subject":"/to/room: Expected string"}'],
      ['{"type":"send","text":"x","to":{"room":"#a","user":"b"}}', '{"type":"error","code":"invalid-frame","subject":"/to/user: Unexpected property"}'],
      ['{"type":"send","text":"x","to":{"room":"#dev"}}', '{"type":"error","code":"invalid-frame","subject":"/to/room: this server has no rooms"}'],
      ['{"type":"whois","names":[]}', '{"type":"error","code":"invalid-frame","subject":"/names: Expected array length to be greater or equal to 1"}'],
      ['{"type":"ping","extra":true,"id":"c"}', '{"type":"error","code":"invalid-frame","subject":"/extra: Unexpected property","for":"c"}'],
      ['{"id":"d"}', '{"type":"error","code":"invalid-frame","subject":"/type: Expected required property","for":"d"}'],
      ['{"type":["ping"]}', '{"type":"error","code":"invalid-frame","subject":"/type: Expected string"}'],
      ['{"type":"ping","id":""}', '{"type":"error","code":"invalid-frame","subject":"/id: Expected string length greater or equal to 1"}'],
      ['{"type":"dance","id":"e"}', '{"type":"error","code":"unknown-type","subject":"dance","for":"e"}'],
      ['{"type":"command","verb":"msg","params":["hi"],"id":"f"}', '{"type":"error","code":"reserved-verb","subject":"MSG","for":"f"}'],
      ['{"type":"command","verb":"FOO","id":"g"}', '{"type":"error","code":"unknown-command","subject":"FOO","for":"g"}'],
      [`{"type":"send","text":"${"x".repeat(100)}","id":"h"}`, '{"type":"error","code":"frame-too-long"}'],
      [Buffer.from([0x7b, 0xff, 0x7d]), '{"type":"error","code":"invalid-utf8"}'],
    ];
    for (const [frame, answer] of cases) {
      client.socket.send(frame, { binary: false });
      expect(await client.readLine()).toBe(answer);
      send(client, { type: "ping", id: "after" });
      expect(await client.readLine()).toBe('{"type":"pong","for":"after"}');
    }
    client.socket.send(Buffer.from('{"type":"ping"}'), { binary: true });
    expect(await client.readLine()).toBe('{"type":"error","code":"invalid-frame","subject":": binary frames are not read; send each JSON object as a text frame"}');
    send(client, { type: "ping", id: "still open" });
    expect(await client.readLine()).toBe('{"type":"pong","for":"still open"}');
  });

  it("gives a plugin's own verbs their parameters, and shows its kinds of answers and events with their data", async () => {
    const dice = definePlugin({
      name: "dice",
      dependencies: ["login"],
      register({ commands, events }) {
        events.define("rolled", { line: ({ result }) => `ROLLED ${result}`, text: ({ user, result, sides }) => `${user} rolled ${result} of ${sides}` });
        commands.add({
          verb: "ROLL",
          params: ["sides", "times"],
          async handle({ session, params: [sides, times] }) {
            const data = { user: session.username!, result: 4, sides: Number(sides), times: times === "" ? 1 : Number(times) };
            session.reply(events.reply("rolled", data));
            await events.emit("rolled", { kind: "everyone" }, data);
          },
        });
      },
    });
    server = await startJsonServer({ plugins: [...DEFAULT_PLUGINS.map((name) => ({ name })), { name: "dice", plugin: dice }] });
    const alice = await loginJson(server.webPort, "alice");
    const bob = await TcpClient.login(server.port, "bob");
    expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"bob"}');
    send(alice, { type: "command", verb: "roll", params: ["20"], id: "r" });
    const data = '"data":{"user":"alice","result":4,"sides":20,"times":1},"text":"alice rolled 4 of 20"';
    expect(await alice.readLine()).toBe(`{"type":"plugin","plugin":"dice","name":"rolled",${data},"for":"r"}`);
    expect(unstamped(await alice.readLine())).toBe(`{"type":"plugin","plugin":"dice","name":"rolled","to":"everyone",${data}}`);
    expect(await bob.readLine()).toBe("ROLLED 4");
    send(alice, { type: "command", verb: "ROLL", params: ["6", "2", "3"], id: "r2" });
    expect(await alice.readLine()).toBe('{"type":"error","code":"invalid-frame","subject":"/params: ROLL takes at most 2","for":"r2"}');
  });

  it("holds a flooder's frames to its budget, answering them in order once it is back (on the fake clock)", async () => {
    const clock = new FakeClock();
    server = await startJsonServer({ rateBurst: 3, rateLimitPerSecond: 1 }, clock);
    const client = await connect(server.webPort);
    for (const id of ["1", "2", "3", "4"]) send(client, { type: "ping", id });
    expect(await client.readLines(3)).toEqual(['{"type":"pong","for":"1"}', '{"type":"pong","for":"2"}', '{"type":"pong","for":"3"}']);
    // Another connection is answered meanwhile; the fourth frame still waits.
    const other = await connect(server.webPort);
    send(other, { type: "ping" });
    expect(await other.readLine()).toBe('{"type":"pong"}');
    expect(client.receivedCount).toBe(3);
    clock.advance(1000);
    expect(await client.readLine()).toBe('{"type":"pong","for":"4"}');
  });

  it("closes an idle connection with an idle-timeout error, and counts any frame as activity (on the fake clock)", async () => {
    const clock = new FakeClock();
    server = await startJsonServer({ idleTimeoutMs: 300 }, clock);
    const client = await connect(server.webPort);
    clock.advance(200);
    client.send("not even JSON");
    expect(await client.readLine()).toBe('{"type":"error","code":"invalid-json"}');
    clock.advance(200);
    send(client, { type: "ping", id: "p" });
    expect(await client.readLine()).toBe('{"type":"pong","for":"p"}');
    clock.advance(300);
    expect(await client.readUntilClosed()).toEqual({ lines: ['{"type":"error","code":"idle-timeout"}'], code: 1000, reason: "" });
  });

  it("opens as /ws does: the same origin check and connection limits; other paths are still not found", async () => {
    server = await startJsonServer({ maxConnections: 2 });
    await expect(WsClient.connect(server.webPort, { path: JSON_API_PATH, origin: "https://evil.example" })).rejects.toThrow("HTTP 403");
    await expect(WsClient.connect(server.webPort, { path: "/apis" })).rejects.toThrow("HTTP 404: not found: WebSocket connections go to /ws");
    const json = await WsClient.connect(server.webPort, { path: JSON_API_PATH, origin: `http://127.0.0.1:${server.webPort}` });
    const lines = await WsClient.connect(server.webPort);
    await expect(connect(server.webPort)).rejects.toThrow("HTTP 503");
    lines.send("PING");
    expect(await lines.readLine()).toBe("PONG");
    send(json, { type: "ping" });
    expect(await json.readLine()).toBe('{"type":"pong"}');
    // A frame more than 1 KiB past the limit is not read at all, as on /ws.
    json.send("x".repeat(DEFAULT_CONFIG.maxLineBytes + 2000));
    expect(await json.readUntilClosed()).toEqual({ lines: [], code: 1009, reason: "" });
  });

  describe("resuming", () => {
    /** A JSON user made resumable: its token. */
    async function tokenOf(client: WsClient): Promise<string> {
      send(client, { type: "resumable", id: "r" });
      const { type, token, for: answering } = await next(client);
      expect([type, answering]).toEqual(["token", "r"]);
      return token as string;
    }

    it("resumes after the last event received: what followed, answers with their own `for`, then live; nobody else notices", async () => {
      server = await startJsonServer({ plugins: ROOMS, rateLimitPerSecond: 0 });
      const alice = await loginJson(server.webPort, "alice");
      const token = await tokenOf(alice);
      const bob = await TcpClient.login(server.port, "bob");
      expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"bob"}');
      bob.send("MSG one");
      const one = await next(alice);
      expect(one).toEqual({ type: "message", ...IDENTITY, from: "bob", to: "everyone", text: "one" });
      // Sent and answered, but lost with the connection: the answer is missed like any frame.
      bob.send("MSG two");
      send(alice, { type: "ping", id: "p1" });
      const [two, pong] = await alice.readLines(2);
      expect([unstamped(two!), pong]).toEqual(['{"type":"message","from":"bob","to":"everyone","text":"two"}', '{"type":"pong","for":"p1"}']);
      alice.reset();
      bob.send("DM alice three");
      bob.send("PING");
      expect(await bob.readLine()).toBe("PONG");

      const phone = await connect(server.webPort);
      send(phone, { type: "resume", token, after: one.id, id: "again" });
      const resumed = await next(phone);
      expect(resumed).toEqual({ type: "resumed", name: "alice", token: expect.any(String), for: "again" });
      expect(resumed.token).not.toBe(token);
      expect(await next(phone)).toEqual({ type: "message", ...IDENTITY, from: "bob", to: "everyone", text: "two" });
      expect(await phone.readLine()).toBe('{"type":"pong","for":"p1"}');
      const three = await next(phone);
      expect(three).toEqual({ type: "message", ...IDENTITY, from: "bob", to: { user: "alice" }, text: "three" });
      bob.send("MSG four");
      const four = await next(phone);
      expect(four).toEqual({ type: "message", ...IDENTITY, from: "bob", to: "everyone", text: "four" });
      bob.send("WHO");
      expect(await bob.readLines(3)).toEqual(["USER alice", "USER bob", "END WHO"]);

      // Its new token from `resumed`; having got `three`, nothing but `four` and what came after it.
      phone.reset();
      bob.send("MSG five");
      bob.send("PING");
      expect(await bob.readLine()).toBe("PONG");
      const laptop = await connect(server.webPort);
      send(laptop, { type: "resume", token: resumed.token, after: three.id });
      expect(await next(laptop)).toEqual({ type: "resumed", name: "alice", token: expect.any(String) });
      expect([await next(laptop), await next(laptop)]).toEqual([four, { type: "message", ...IDENTITY, from: "bob", to: "everyone", text: "five" }]);
    });

    it("resumes everything since the token without `after`; refuses an id never sent, a token of another protocol, and a malformed id", async () => {
      server = await startJsonServer({ rateLimitPerSecond: 0 });
      const alice = await loginJson(server.webPort, "alice");
      const token = await tokenOf(alice);
      const bob = await TcpClient.login(server.port, "bob");
      bob.send("RESUMABLE");
      const bobsToken = (await bob.readLine()).split(" ")[1]!;
      expect(unstamped(await alice.readLine())).toBe('{"type":"arrived","user":"bob"}');
      alice.reset();
      bob.send("MSG while away");
      bob.send("PING");
      expect(await bob.readLine()).toBe("PONG");

      const other = await connect(server.webPort);
      send(other, { type: "resume", token: bobsToken, id: "b" });
      expect(await other.readLine()).toBe('{"type":"error","code":"resume-refused","subject":"other-protocol","for":"b"}');
      send(other, { type: "resume", token, after: "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", id: "x" });
      expect(await other.readLine()).toBe('{"type":"error","code":"resume-refused","subject":"unknown-event","for":"x"}');
      send(other, { type: "resume", token, after: "not an id", id: "y" });
      expect(await other.readLine()).toBe(
        '{"type":"error","code":"invalid-frame","subject":"/after: Expected string to match \'^[0-7][0-9A-HJKMNP-TV-Z]{25}$\'","for":"y"}',
      );
      const tcp = await TcpClient.connect(server.port);
      tcp.send(`RESUME ${token} 0`);
      expect(await tcp.readLine()).toBe("ERR resume-refused other-protocol");

      // None of these used the token up.
      send(other, { type: "resume", token });
      expect(await next(other)).toEqual({ type: "resumed", name: "alice", token: expect.any(String) });
      expect(unstamped(await other.readLine())).toBe('{"type":"arrived","user":"bob"}');
      expect(await next(other)).toEqual({ type: "message", ...IDENTITY, from: "bob", to: "everyone", text: "while away" });
    });
  });
});

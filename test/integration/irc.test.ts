import { DEFAULT_PLUGINS } from "../../src/composition-root";
import { definePlugin } from "../../src/core/plugin-api";
import { FakeClock } from "../../src/testing/fake-clock";
import { CountingPresence } from "../support/counting-presence";
import { IrcClient } from "../support/irc-client";
import { rawIrc } from "../support/raw-irc";
import { replayHistory, slowLoginHook } from "../support/slow-login";
import { TcpClient } from "../support/tcp-client";
import { startIrcServer, type RunningServer } from "../support/tcp-server";

const ROOMS = ["login", "msg", "who", "dm", "ping", "quit", "rooms"].map((name) => ({ name }));

describe("the IRC door", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("registers as modern clients do (CAP LS 302 ... CAP END, NICK, USER) and sends the welcome burst, the lobby's JOIN, topic and names", async () => {
    server = await startIrcServer();
    await TcpClient.login(server.port, "bob");
    const irc = rawIrc(server.ircPort);
    for (const line of ["CAP LS 302", "NICK alice", "USER alice 0 * :Alice A.", "CAP END"]) irc.send(line);
    const burst = await irc.until(/ 366 /);
    expect(burst[0]).toBe(":chat.test CAP * LS :");
    expect(burst.slice(1).map((line) => line.split(" ").slice(0, 2).join(" "))).toEqual([
      ":chat.test 001",
      ":chat.test 002",
      ":chat.test 003",
      ":chat.test 004",
      ":chat.test 005",
      ":chat.test 251",
      ":chat.test 255",
      ":chat.test 265",
      ":chat.test 266",
      ":chat.test 422",
      ":alice!alice@chat.test JOIN",
      ":chat.test 332",
      ":chat.test 353",
      ":chat.test 366",
    ]);
    const { version } = require("../../package.json") as { version: string };
    // User mode i; channel modes n, o, s, t (the channel operators' modes: see channel-operators.test.ts).
    expect(burst.find((line) => / 004 /.test(line))).toBe(`:chat.test 004 alice chat.test chat-server-${version} i nost o`);
    expect(burst.find((line) => / 005 /.test(line))).toBe(
      ":chat.test 005 alice CASEMAPPING=ascii CHANTYPES=# PREFIX=(o)@ CHANMODES=,,,nst NICKLEN=32 CHANNELLEN=33 TOPICLEN=0 NETWORK=chat.test TARGMAX=JOIN:,NAMES:5,PRIVMSG:1,NOTICE:1 CHANLIMIT=#:100 USERLEN=10 UTF8ONLY WHOX :are supported by this server",
    );
    expect(burst.filter((line) => / 2[56]\d /.test(line))).toEqual([
      ":chat.test 251 alice :There are 2 users and 0 invisible on 1 servers",
      ":chat.test 255 alice :I have 2 clients and 1 servers",
      ":chat.test 265 alice :Current local users: 2",
      ":chat.test 266 alice :Current global users: 2",
    ]);
    expect(burst.slice(-4)).toEqual([
      ":alice!alice@chat.test JOIN #lobby",
      ":chat.test 332 alice #lobby :Everyone on this server, whatever they connect with",
      ":chat.test 353 alice = #lobby :bob alice",
      ":chat.test 366 alice #lobby :End of /NAMES list",
    ]);
  });

  it("writes what others say during registration after the welcome, the lobby's names and the history (found in review)", async () => {
    const { plugin, open } = slowLoginHook("alice", { after: replayHistory });
    server = await startIrcServer({ plugins: [...DEFAULT_PLUGINS.map((name) => ({ name })), plugin] });
    const bob = await TcpClient.login(server.port, "bob");
    const alice = rawIrc(server.ircPort);
    alice.send("NICK alice");
    alice.send("USER alice 0 * :Alice");
    await server.logger.waitFor("login", 2); // bob, then alice: her login hook waits
    bob.send("MSG hello alice");
    bob.send("PING");
    expect(await bob.readLine()).toBe("PONG"); // bob's message has reached alice's session
    open();
    const lines = await alice.until(/ PRIVMSG #lobby :hello alice$/);
    const at = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
    expect(at(/ 001 alice /)).toBe(0);
    expect(at(/ 366 alice #lobby /)).toBeLessThan(at(/^:carol!\S+ PRIVMSG #lobby :earlier$/));
    expect(at(/^:carol!\S+ PRIVMSG #lobby :earlier$/)).toBe(lines.length - 2);
  });

  it("refuses a nick a line-protocol user has (433) and one no user may have (432); the client picks another", async () => {
    server = await startIrcServer();
    await TcpClient.login(server.port, "Alice");
    await expect(IrcClient.register(server.ircPort, "alice")).rejects.toThrow(":chat.test 433 * alice :Nickname is already in use");
    await expect(IrcClient.register(server.ircPort, "al!ce")).rejects.toThrow(":chat.test 432 * al!ce :Erroneous nickname");
    const irc = await IrcClient.register(server.ircPort, "alice2");
    expect(irc.lines).toContain(":alice2!alice2@chat.test JOIN #lobby");
  });

  it("carries the lobby both ways: MSG is a PRIVMSG to #lobby, a PRIVMSG to #lobby is a MSG", async () => {
    server = await startIrcServer();
    const irc = await IrcClient.register(server.ircPort, "ivy");
    const bob = await TcpClient.login(server.port, "bob");
    expect(await irc.waitFor(/JOIN #lobby$/)).toBe(":bob!bob@chat.test JOIN #lobby");
    bob.send("MSG hello from the line protocol");
    expect(await irc.waitFor(/PRIVMSG/)).toBe(":bob!bob@chat.test PRIVMSG #lobby :hello from the line protocol");
    irc.client.say("#lobby", "hello from IRC");
    expect(await bob.readLine()).toBe("MSG ivy hello from IRC");
    irc.client.raw("PRIVMSG", "#lobby", "\u0001ACTION waves\u0001");
    expect(await bob.readLine()).toBe("MSG ivy * waves");
  });

  it("carries direct messages both ways, and says 401 for a nick nobody has", async () => {
    server = await startIrcServer();
    const irc = await IrcClient.register(server.ircPort, "ivy");
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("DM ivy psst");
    expect(await irc.waitFor(/PRIVMSG/)).toBe(":bob!bob@chat.test PRIVMSG ivy :psst");
    irc.client.say("bob", "hi back");
    expect(await bob.readLine()).toBe("DM ivy hi back");
    irc.client.say("nobody", "anyone?");
    expect(await irc.waitFor(/ 401 /)).toBe(":chat.test 401 ivy nobody :No such nick/channel");
  });

  it("makes rooms channels: JOIN, names, messages both ways, PART, and who joins and leaves", async () => {
    server = await startIrcServer({ plugins: ROOMS });
    const irc = await IrcClient.register(server.ircPort, "ivy");
    const bob = await TcpClient.login(server.port, "bob");
    expect(await irc.waitFor(/JOIN #lobby$/)).toBe(":bob!bob@chat.test JOIN #lobby");
    irc.client.join("#Dev");
    expect(await irc.linesUntil(/ 366 /)).toEqual([
      ":ivy!ivy@chat.test JOIN #dev",
      ":chat.test 353 ivy = #dev :@ivy",
      ":chat.test 366 ivy #dev :End of /NAMES list",
    ]);
    bob.send("JOIN #dev");
    expect(await bob.readLine()).toBe("OK");
    expect(await irc.waitFor(/ JOIN #dev$/)).toBe(":bob!bob@chat.test JOIN #dev");
    bob.send("MSG #dev in the room");
    expect(await irc.waitFor(/PRIVMSG #dev/)).toBe(":bob!bob@chat.test PRIVMSG #dev :in the room");
    irc.client.say("#dev", "from IRC");
    expect(await bob.readLine()).toBe("MSG ivy #dev from IRC");
    irc.client.say("#elsewhere", "lost?");
    expect(await irc.waitFor(/ 404 /)).toBe(":chat.test 404 ivy #elsewhere :Cannot send to channel (not joined)");
    irc.client.part("#dev");
    expect(await irc.waitFor(/PART/)).toBe(":ivy!ivy@chat.test PART #dev");
    expect(await bob.readLine()).toBe("INFO ivy left #dev");
  });

  it("answers WHO, NAMES, WHOIS, USERHOST, ISON, LIST and MODE queries", async () => {
    server = await startIrcServer({ plugins: ROOMS, rateLimitPerSecond: 0 });
    const irc = await IrcClient.register(server.ircPort, "ivy");
    await TcpClient.login(server.port, "bob");
    expect(await irc.waitFor(/JOIN #lobby$/)).toBe(":bob!bob@chat.test JOIN #lobby");
    irc.client.raw("WHO #lobby");
    expect(await irc.linesUntil(/ 315 /)).toEqual([
      ":chat.test 352 ivy #lobby ivy chat.test chat.test ivy H :0 ivy",
      ":chat.test 352 ivy #lobby bob chat.test chat.test bob H :0 bob",
      ":chat.test 315 ivy #lobby :End of /WHO list",
    ]);
    irc.client.raw("WHO b*");
    expect(await irc.linesUntil(/ 315 /)).toEqual([":chat.test 352 ivy * bob chat.test chat.test bob H :0 bob", ":chat.test 315 ivy b* :End of /WHO list"]);
    irc.client.raw("NAMES #lobby");
    expect(await irc.linesUntil(/ 366 /)).toEqual([":chat.test 353 ivy = #lobby :ivy bob", ":chat.test 366 ivy #lobby :End of /NAMES list"]);
    irc.client.raw("WHOIS bob");
    expect(await irc.linesUntil(/ 318 /)).toEqual([
      ":chat.test 311 ivy bob bob chat.test * :bob",
      ":chat.test 319 ivy bob :#lobby",
      ":chat.test 312 ivy bob chat.test :chat.test",
      expect.stringMatching(/^:chat\.test 317 ivy bob \d+ \d+ :seconds idle, signon time$/),
      ":chat.test 318 ivy bob :End of /WHOIS list",
    ]);
    irc.client.raw("WHOIS nobody");
    expect(await irc.linesUntil(/ 318 /)).toEqual([":chat.test 401 ivy nobody :No such nick/channel", ":chat.test 318 ivy nobody :End of /WHOIS list"]);
    irc.client.raw("USERHOST bob nobody");
    expect(await irc.waitFor(/ 302 /)).toBe(":chat.test 302 ivy :bob=+bob@chat.test");
    irc.client.raw("ISON bob nobody Ivy");
    expect(await irc.waitFor(/ 303 /)).toBe(":chat.test 303 ivy :bob ivy");
    irc.client.raw("LIST");
    expect(await irc.linesUntil(/ 323 /)).toEqual([
      ":chat.test 321 ivy Channel :Users  Name",
      ":chat.test 322 ivy #lobby 2 :Everyone on this server, whatever they connect with",
      ":chat.test 323 ivy :End of /LIST",
    ]);
    irc.client.raw("MODE #lobby");
    expect(await irc.waitFor(/ 324 /)).toBe(":chat.test 324 ivy #lobby +nt");
    irc.client.raw("MODE #lobby +m");
    expect(await irc.waitFor(/ 482 /)).toBe(":chat.test 482 ivy #lobby :You're not channel operator");
    irc.client.raw("MODE ivy");
    expect(await irc.waitFor(/ 221 /)).toBe(":chat.test 221 ivy +");
    irc.client.raw("MODE ivy +w");
    expect(await irc.waitFor(/ 501 /)).toBe(":chat.test 501 ivy :Unknown MODE flag");
    irc.client.raw("TOPIC #lobby");
    expect(await irc.waitFor(/ 332 /)).toBe(":chat.test 332 ivy #lobby :Everyone on this server, whatever they connect with");
    irc.client.raw("AWAY :lunch");
    expect(await irc.waitFor(/ 306 /)).toBe(":chat.test 306 ivy :You have been marked as being away");
  });

  it("answers what it does not support with the right numeric, never silence", async () => {
    server = await startIrcServer({ rateLimitPerSecond: 0 });
    const early = rawIrc(server.ircPort);
    early.send("PRIVMSG #lobby :too soon");
    expect(await early.until(/ 451 /)).toEqual([":chat.test 451 * :You have not registered"]);
    const irc = await IrcClient.register(server.ircPort, "ivy");
    const cases: [string, string][] = [
      ["FROBNICATE", ":chat.test 421 ivy FROBNICATE :Unknown command"],
      ["PRIVMSG", ":chat.test 411 ivy :No recipient given (PRIVMSG)"],
      ["PRIVMSG #lobby", ":chat.test 412 ivy :No text to send"],
      ["JOIN", ":chat.test 461 ivy JOIN :Not enough parameters"],
      ["JOIN #dev", ":chat.test 403 ivy #dev :No such channel (this server has no rooms)"],
      ["USER again 0 * :x", ":chat.test 462 ivy :You may not reregister"],
      ["NICK bad!nick", ":chat.test 432 ivy bad!nick :Erroneous nickname"],
      ["PING :abc", ":chat.test PONG chat.test :abc"],
    ];
    for (const [line, answer] of cases) {
      irc.client.raw(line);
      expect(await irc.waitFor(/^:chat\.test /)).toBe(answer);
    }
  });

  it("tells both kinds of user who left: a QUIT for IRC, INFO ... disconnected for the line protocol", async () => {
    server = await startIrcServer();
    const irc = await IrcClient.register(server.ircPort, "ivy");
    const bob = await TcpClient.login(server.port, "bob");
    const carol = await TcpClient.login(server.port, "carol");
    bob.send("QUIT");
    expect(await irc.waitFor(/QUIT/)).toBe(":bob!bob@chat.test QUIT :Quit");
    irc.client.quit("see you");
    expect(await irc.waitFor(/^ERROR/)).toBe("ERROR :Closing Link: ivy (Quit: see you)");
    expect(await carol.readLines(2)).toEqual(["INFO bob disconnected", "INFO ivy disconnected"]);
  });

  it("pings a quiet IRC client at half the idle timeout, and keeps one that answers (on the fake clock)", async () => {
    const clock = new FakeClock();
    server = await startIrcServer({ idleTimeoutMs: 60_000 }, { clock });
    const irc = await IrcClient.register(server.ircPort, "ivy");
    for (let ping = 0; ping < 3; ping++) {
      clock.advance(30_000);
      // irc-framework answers PINGs by itself, as every IRC client does.
      expect(await irc.waitFor(/^PING/)).toBe("PING :chat.test");
      // Its PONG has been read once a PING of its own (sent after it) is answered.
      irc.client.raw(`PING :check${ping}`);
      expect(await irc.waitFor(/ PONG /)).toBe(`:chat.test PONG chat.test :check${ping}`);
    }
    // Just within the idle timeout of its last line: still served.
    clock.advance(59_999);
    irc.client.raw("PING :still");
    expect(await irc.waitFor(/ PONG /)).toBe(":chat.test PONG chat.test :still");
    expect(server.logger.find("connection closed")).toEqual([]);
  });
});

describe("the IRC door against hostile input (issue #17)", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("answers WHO with a mask that made a backtracking matcher run for seconds at once, and serves everyone else meanwhile", async () => {
    server = await startIrcServer({ rateLimitPerSecond: 0 });
    const victim = "a".repeat(32);
    await TcpClient.login(server.port, victim);
    const bob = await TcpClient.login(server.port, "bob");
    const attacker = await IrcClient.register(server.ircPort, "mallory");
    // 24 bytes stalled the event loop for 6.8 s with a RegExp; a mask may be as long as a line.
    const masks = ["*a*a*a*a*a*a*a*a*a*a*a*b", `${"*a".repeat(2040)}*b`];
    for (const mask of masks) attacker.client.raw(`WHO ${mask}`);
    bob.send("PING");
    expect(await bob.readLine()).toBe("PONG");
    expect(await attacker.linesUntil(/ 315 /)).toEqual([":chat.test 315 mallory *a*a*a*a*a*a*a*a*a*a*a*b :End of /WHO list"]);
    // The long one matches nobody: no name is longer than 32 characters; its echo is cut.
    expect(await attacker.linesUntil(/ 315 /)).toEqual([`:chat.test 315 mallory ${"*a".repeat(32)} :End of /WHO list`]);
    attacker.client.raw("WHO *A*a*?*a*");
    expect(await attacker.linesUntil(/ 315 /)).toEqual([
      `:chat.test 352 mallory * ${victim} chat.test chat.test ${victim} H :0 ${victim}`,
      ":chat.test 315 mallory *A*a*?*a* :End of /WHO list",
    ]);
  });

  it("ends a line at CR, LF or CRLF: `NICK x\\rUSER ...` is two commands", async () => {
    server = await startIrcServer();
    const irc = rawIrc(server.ircPort);
    irc.send("NICK ivy\rUSER ivy 0 * :Ivy\n");
    const burst = await irc.until(/ 366 /);
    expect(burst[0]).toBe(":chat.test 001 ivy :Welcome to the chat.test chat, ivy!ivy@chat.test");
  });

  it("never echoes a control character", async () => {
    server = await startIrcServer({ rateLimitPerSecond: 0 });
    const early = rawIrc(server.ircPort);
    early.send("NICK bad\u0001nick\u001b[31m\u0000");
    expect(await early.until(/ 432 /)).toEqual([":chat.test 432 * badnick[31m :Erroneous nickname"]);
    const irc = await IrcClient.register(server.ircPort, "ivy");
    irc.client.raw("FRO\u0007B\u0085");
    expect(await irc.waitFor(/ 421 /)).toBe(":chat.test 421 ivy FROB :Unknown command");
    irc.client.raw("PRIVMSG :no\u0007body here");
    expect(await irc.waitFor(/ 412 /)).toBe(":chat.test 412 ivy :No text to send");
    irc.client.raw("PRIVMSG no\u0007body :hi");
    expect(await irc.waitFor(/ 401 /)).toBe(":chat.test 401 ivy nobody :No such nick/channel");
    expect(irc.lines.filter((line) => /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(line))).toEqual([]);
  });

  it("says a text that starts with # to everyone in the lobby, and the line protocol gets it escaped", async () => {
    server = await startIrcServer({ plugins: ROOMS });
    const irc = await IrcClient.register(server.ircPort, "ivy");
    const bob = await TcpClient.login(server.port, "bob");
    expect(await irc.waitFor(/JOIN #lobby$/)).toBe(":bob!bob@chat.test JOIN #lobby");
    irc.client.say("#lobby", "#1 priority is coffee");
    expect(await bob.readLine()).toBe("MSG ivy \\#1 priority is coffee");
    bob.send("MSG \\#2 is tea");
    expect(await irc.waitFor(/PRIVMSG/)).toBe(":bob!bob@chat.test PRIVMSG #lobby :#2 is tea");
    irc.client.say("#lobby", "\\#3 keeps its backslash");
    expect(await bob.readLine()).toBe("MSG ivy \\\\#3 keeps its backslash");
    expect(irc.lines.filter((line) => / 404 /.test(line))).toEqual([]);
  });

  it("refuses a JOIN past the user's limit (405, advertised as CHANLIMIT) and past the node's (437); the rooms are a metric", async () => {
    server = await startIrcServer({ plugins: ROOMS, rateLimitPerSecond: 0, maxRoomsPerUser: 1, maxRooms: 2, metrics: { port: 0, host: "127.0.0.1" } });
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    expect(ivy.lines.find((line) => / 005 /.test(line))).toContain(" CHANLIMIT=#:1 ");
    ivy.client.join("#one");
    await ivy.waitFor(/ 366 ivy #one /);
    ivy.client.join("#two");
    expect(await ivy.waitFor(/ 405 /)).toBe(":chat.test 405 ivy #two :You have joined too many channels");
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("JOIN #two");
    expect(await bob.readLine()).toBe("OK");
    const max = await IrcClient.register(server.ircPort, "max");
    max.client.join("#three");
    expect(await max.waitFor(/ 437 /)).toBe(":chat.test 437 max #three :Cannot make a new channel: this server holds as many as it may");
    bob.send("JOIN #three");
    expect(await bob.readLine()).toBe("ERR too-many-rooms #three");
    const metrics = await (await fetch(`http://127.0.0.1:${server.app.metricsAddress!.port}/metrics`)).text();
    expect(metrics).toMatch(/^chat_rooms 2$/m);
  });
});

/**
 * A plugin of the test's own: `SHOUT <target> <text>` answers with a kind
 * it defines (shown differently on IRC), or with an error code of its own.
 */
const shoutPlugin = definePlugin({
  name: "shout",
  dependencies: ["login"],
  register({ commands, events }) {
    events.define("shouted", {
      text: ({ target, text }) => `SHOUTED ${String(target)} ${String(text)}`,
      irc: ({ target, text }) => `${String(target)} hears: ${String(text).toUpperCase()}`,
    });
    commands.add({
      verb: "SHOUT",
      params: ["target", "text"],
      handle({ session, params: [target, text] }) {
        if (text === "") return session.reply({ kind: "error", code: "nothing-to-shout", subject: target! });
        session.reply(events.reply("shouted", { target: target!, text: text! }));
      },
    });
  },
});

describe("the IRC door speaks the core's language (issue #18)", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("says `PRIVMSG #lobby :#dev is great` to everyone, escaped for the line protocol, and nothing of it to the room #dev", async () => {
    server = await startIrcServer({ plugins: ROOMS });
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const max = await IrcClient.register(server.ircPort, "max");
    const bob = await TcpClient.login(server.port, "bob");
    const carol = await TcpClient.login(server.port, "carol");
    // ivy, max and bob are in #dev (ivy too: a room message from her would reach it); carol is not.
    for (const irc of [ivy, max]) {
      irc.client.join("#dev");
      await irc.waitFor(/ 366 \S+ #dev /);
    }
    bob.send("JOIN #dev");
    expect(await bob.readLine()).toBe("OK");
    ivy.client.raw("PRIVMSG #lobby :#dev is great");
    // Then a message to the room: whatever reached #dev from the first comes before it.
    ivy.client.raw("PRIVMSG #dev :for the room");
    expect(await bob.readLines(2)).toEqual(["MSG ivy \\#dev is great", "MSG ivy #dev for the room"]);
    expect((await max.linesUntil(/ PRIVMSG #dev /)).filter((line) => / PRIVMSG /.test(line))).toEqual([
      ":ivy!ivy@chat.test PRIVMSG #lobby :#dev is great",
      ":ivy!ivy@chat.test PRIVMSG #dev :for the room",
    ]);
    expect(await carol.readLine()).toBe("MSG ivy \\#dev is great");
    carol.send("PING");
    expect(await carol.readLine()).toBe("PONG");
    expect(ivy.lines.filter((line) => / (404|PRIVMSG) /.test(line))).toEqual([]);
  });

  it("counts a command's answer against the send-queue limit, as every reply: a WHO too large for it drops the client (read-through of #18: it bypassed the limit)", async () => {
    const presence = new CountingPresence();
    server = await startIrcServer({ rateLimitPerSecond: 0, maxSendQueueBytes: 64 * 1024 }, { presence });
    // 1000 users: a WHO of the lobby is about 70 KB of 352s, more than the client's send queue may hold.
    for (let user = 1; user <= 1000; user++) await presence.claim(`user${user}`);
    const irc = await IrcClient.register(server.ircPort, "ivy");
    const user1 = ":chat.test 352 ivy * user1 chat.test chat.test user1 H :0 user1";
    irc.client.raw("WHO user1");
    expect(await irc.linesUntil(/ 315 /)).toEqual([user1, ":chat.test 315 ivy user1 :End of /WHO list"]);
    irc.client.raw("WHO #lobby");
    expect(await irc.waitFor(/^ERROR /)).toBe("ERROR :Closing Link: ivy (SendQ exceeded)");
    expect(irc.lines.filter((line) => / 352 /.test(line))).toEqual([user1]);
    expect(server.logger.find("send queue exceeded")).toHaveLength(1);
  });

  it("looks up WHOIS, USERHOST and ISON by name: on a server of 10000 users they read as few names as on one of 10", async () => {
    /**
     * With `users` online: the names the registration read (it lists everyone,
     * for the lobby's names), then what an IRC client is answered and how many
     * names the registry read for each query.
     */
    async function lookUps(users: number): Promise<{ registration: number; answers: string[][]; namesRead: number[] }> {
      const presence = new CountingPresence();
      server = await startIrcServer({ rateLimitPerSecond: 0 }, { presence });
      for (let user = 1; user <= users; user++) await presence.claim(`user${user}`);
      const irc = await IrcClient.register(server.ircPort, "ivy");
      // A PING answered: every command before it was handled.
      irc.client.raw("PING :registered");
      await irc.waitFor(/ PONG /);
      const registration = presence.namesRead;
      const queries: [string, RegExp][] = [
        ["WHOIS user7", / 318 /],
        ["WHOIS nobody", / 318 /],
        ["USERHOST user7 nobody user3", / 302 /],
        ["ISON user3 nobody USER7 ivy", / 303 /],
      ];
      const answers: string[][] = [];
      const namesRead: number[] = [];
      for (const [query, end] of queries) {
        presence.reset();
        irc.client.raw(query);
        answers.push(await irc.linesUntil(end));
        namesRead.push(presence.namesRead);
      }
      await server.app.stop({ graceMs: 100 });
      return { registration, answers, namesRead };
    }

    const small = await lookUps(10);
    const large = await lookUps(10_000);
    // The count sees a listing: the users and ivy.
    expect([small.registration, large.registration]).toEqual([11, 10_001]);
    expect(small.answers).toEqual([
      [
        ":chat.test 311 ivy user7 user7 chat.test * :user7",
        ":chat.test 319 ivy user7 :#lobby",
        ":chat.test 312 ivy user7 chat.test :chat.test",
        ":chat.test 318 ivy user7 :End of /WHOIS list",
      ],
      [":chat.test 401 ivy nobody :No such nick/channel", ":chat.test 318 ivy nobody :End of /WHOIS list"],
      [":chat.test 302 ivy :user7=+user7@chat.test user3=+user3@chat.test"],
      [":chat.test 303 ivy :user3 user7 ivy"],
    ]);
    // The names asked, and no more.
    expect(small.namesRead).toEqual([1, 1, 3, 4]);
    expect(large.answers).toEqual(small.answers);
    expect(large.namesRead).toEqual(small.namesRead);
  });

  it("passes a plugin's own verb to the core and says its answers as notices; the core's verbs sent raw stay unknown commands", async () => {
    const plugins = [...DEFAULT_PLUGINS, "rooms"].map((name) => ({ name }));
    server = await startIrcServer({ plugins: [...plugins, { name: "shout", plugin: shoutPlugin }], rateLimitPerSecond: 0 });
    const irc = await IrcClient.register(server.ircPort, "ivy");
    const bob = await TcpClient.login(server.port, "bob");
    const answers: [string, string][] = [
      ["SHOUT #dev :hello there", ":chat.test NOTICE ivy :#dev hears: HELLO THERE"],
      // Parameters past the command's last are joined into it; a verb is matched ignoring case.
      ["shout bob so many words", ":chat.test NOTICE ivy :bob hears: SO MANY WORDS"],
      ["SHOUT #dev", ":chat.test NOTICE ivy :SHOUT: nothing-to-shout #dev"],
      ...["LOGIN ivy", "MSG hi", "DM bob hi", "RESUMABLE", "RESUME token 0", "ROOMS", "MEMBERS #dev"].map((line): [string, string] => [
        line,
        `:chat.test 421 ivy ${line.split(" ")[0]} :Unknown command`,
      ]),
    ];
    for (const [line, answer] of answers) {
      irc.client.raw(line);
      expect(await irc.waitFor(/^:chat\.test /)).toBe(answer);
    }
    // The line protocol shows the same replies in its words; the raw MSG and DM reached nobody.
    bob.send("SHOUT bob so many words");
    bob.send("SHOUT #dev");
    bob.send("PING");
    expect(await bob.readLines(3)).toEqual(["SHOUTED bob so many words", "ERR nothing-to-shout #dev", "PONG"]);
  });
});

describe("the IRC door as IRC clients expect it (issue #20)", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  /** What the server says to `line`: every line up to the PONG of a PING sent after it (the server answers in order). */
  async function answer(irc: IrcClient, line: string): Promise<string[]> {
    irc.client.raw(line);
    irc.client.raw("PING :answered");
    const said = await irc.linesUntil(/ PONG chat\.test :answered$/);
    return said.slice(0, -1);
  }

  it("joins each channel of a JOIN on its own: keys are read and let be, a bad name is answered alone, and no 331 (a room has no topic)", async () => {
    server = await startIrcServer({ plugins: ROOMS, rateLimitPerSecond: 0 });
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    expect(await answer(ivy, "JOIN #one,inv@lid,#lobby,#Two,#ONE key1,key2")).toEqual([
      ":ivy!ivy@chat.test JOIN #one",
      ":chat.test 353 ivy = #one :@ivy",
      ":chat.test 366 ivy #one :End of /NAMES list",
      ":chat.test 403 ivy inv@lid :No such channel",
      ":ivy!ivy@chat.test JOIN #two",
      ":chat.test 353 ivy = #two :@ivy",
      ":chat.test 366 ivy #two :End of /NAMES list",
    ]);
  });

  it("accepts MODE <nick> +i and keeps it, answered as servers answer it, and answers MODE #channel in full", async () => {
    server = await startIrcServer({ plugins: ROOMS, rateLimitPerSecond: 0 });
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("JOIN #bobs");
    expect(await bob.readLine()).toBe("OK");
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const cases: [string, string[]][] = [
      ["MODE ivy", [":chat.test 221 ivy +"]],
      // irssi sends this on every connect.
      ["MODE ivy +i", [":ivy MODE ivy :+i"]],
      ["MODE ivy", [":chat.test 221 ivy +i"]],
      // Nothing changes, nothing is said.
      ["MODE ivy +i", []],
      ["MODE ivy -i+w", [":ivy MODE ivy :-i", ":chat.test 501 ivy :Unknown MODE flag"]],
      ["MODE bob +i", [":chat.test 502 ivy :Can't change mode for other users"]],
      ["MODE #lobby", [":chat.test 324 ivy #lobby +nt"]],
      // A channel the user is not in: one with members has modes, another does not exist.
      ["MODE #bobs", [":chat.test 324 ivy #bobs +nt"]],
      ["MODE #nobody", [":chat.test 403 ivy #nobody :No such channel"]],
      ["MODE #lobby b", [":chat.test 368 ivy #lobby :End of channel ban list"]],
      ["MODE #lobby +k key", [":chat.test 482 ivy #lobby :You're not channel operator"]],
    ];
    for (const [line, said] of cases) expect([line, await answer(ivy, line)]).toEqual([line, said]);
  });

  it("answers WHO for a channel, a nick, a mask and everyone, with realnames and away flags, in WHOX's form too", async () => {
    server = await startIrcServer({ plugins: ROOMS, rateLimitPerSecond: 0 }, { clock: new FakeClock() });
    const max = rawIrc(server.ircPort);
    for (const line of ["NICK max", "USER max 0 * :Max Power", "JOIN #dev", "AWAY :lunch"]) max.send(line);
    await max.until(/ 306 /);
    await TcpClient.login(server.port, "bob");
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    // Max made #dev: its operator, in a WHO of it.
    const maxIn = (channel: string): string => `:chat.test 352 ivy ${channel} max chat.test chat.test max ${channel === "*" ? "G" : "G@"} :0 Max Power`;
    const everyone = [maxIn("*"), ":chat.test 352 ivy * bob chat.test chat.test bob H :0 bob", ":chat.test 352 ivy * ivy chat.test chat.test ivy H :0 ivy"];
    const cases: [string, string[]][] = [
      ["WHO #dev", [maxIn("#dev"), ":chat.test 315 ivy #dev :End of /WHO list"]],
      // 352 names the channel as it is; 315 gives the mask back as sent.
      ["WHO #DEV", [maxIn("#dev"), ":chat.test 315 ivy #DEV :End of /WHO list"]],
      ["WHO MAX", [maxIn("*"), ":chat.test 315 ivy MAX :End of /WHO list"]],
      ["WHO m?x*", [maxIn("*"), ":chat.test 315 ivy m?x* :End of /WHO list"]],
      ["WHO *", [...everyone, ":chat.test 315 ivy * :End of /WHO list"]],
      ["WHO 0", [...everyone, ":chat.test 315 ivy 0 :End of /WHO list"]],
      ["WHO", [...everyone, ":chat.test 315 ivy * :End of /WHO list"]],
      ["WHO #lobby", [...everyone.map((line) => line.replace(" * ", " #lobby ")), ":chat.test 315 ivy #lobby :End of /WHO list"]],
      // Operators only: there are none.
      ["WHO * o", [":chat.test 315 ivy * :End of /WHO list"]],
      ["WHO nobody", [":chat.test 315 ivy nobody :End of /WHO list"]],
      // WHOX: the fields asked for, in WHOX's order whatever the order asked in.
      ["WHO max %roladfnshiuct,42", [":chat.test 354 ivy 42 * max 255.255.255.255 chat.test chat.test max G 0 0 0 n/a :Max Power", ":chat.test 315 ivy max :End of /WHO list"]],
      // As irssi asks on joining.
      ["WHO #dev %tcuhnfdar,743", [":chat.test 354 ivy 743 #dev max chat.test max G@ 0 0 :Max Power", ":chat.test 315 ivy #dev :End of /WHO list"]],
      ["WHO bob %n", [":chat.test 354 ivy bob", ":chat.test 315 ivy bob :End of /WHO list"]],
    ];
    for (const [line, said] of cases) expect([line, await answer(ivy, line)]).toEqual([line, said]);
  });

  it("counts in LUSERS the users and channels LIST shows", async () => {
    server = await startIrcServer({ plugins: ROOMS, rateLimitPerSecond: 0 });
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("JOIN #dev");
    expect(await bob.readLine()).toBe("OK");
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    expect(await answer(ivy, "LUSERS")).toEqual([
      ":chat.test 251 ivy :There are 2 users and 0 invisible on 1 servers",
      ":chat.test 254 ivy 2 :channels formed",
      ":chat.test 255 ivy :I have 2 clients and 1 servers",
      ":chat.test 265 ivy :Current local users: 2",
      ":chat.test 266 ivy :Current global users: 2",
    ]);
    expect(await answer(ivy, "LIST")).toEqual([
      ":chat.test 321 ivy Channel :Users  Name",
      ":chat.test 322 ivy #lobby 2 :Everyone on this server, whatever they connect with",
      ":chat.test 322 ivy #dev 1 :",
      ":chat.test 323 ivy :End of /LIST",
    ]);
  });

  it("refuses an empty realname (461) and a line that is not UTF-8 (FAIL, as UTF8ONLY says), and registers with a USER that is neither", async () => {
    server = await startIrcServer();
    const irc = rawIrc(server.ircPort);
    irc.send("NICK ivy");
    irc.send("USER ivy 0 * :");
    expect(await irc.until(/ 461 /)).toEqual([":chat.test 461 ivy USER :Not enough parameters"]);
    irc.sendBytes(Buffer.from("USER ivy 0 * :i\xe8rc\xe9\r\n", "latin1"));
    expect(await irc.until(/ FAIL /)).toEqual([":chat.test FAIL * INVALID_UTF8 :Your client sent text that is not UTF-8: set its character set to UTF-8."]);
    irc.send("USER ivy 0 * :Ivy");
    expect(await irc.until(/ 001 /)).toEqual([":chat.test 001 ivy :Welcome to the chat.test chat, ivy!ivy@chat.test"]);
  });

  it("relays the longest text an IRC client may send in one line whatever the sender's prefix adds, and splits longer ones", async () => {
    server = await startIrcServer({ rateLimitPerSecond: 0 });
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const max = await IrcClient.register(server.ircPort, "max");
    // 512 bytes with its CRLF, without the colon a text with no space may go without.
    const longest = "a".repeat(510 - "PRIVMSG max ".length);
    ivy.client.raw(`PRIVMSG max ${longest}`);
    expect(await max.waitFor(/ PRIVMSG max /)).toBe(`:ivy!ivy@chat.test PRIVMSG max :${longest}`);
    const bob = await TcpClient.login(server.port, "bob");
    bob.send(`DM max ${"b".repeat(1000)}`);
    const head = ":bob!bob@chat.test PRIVMSG max :";
    expect([await max.waitFor(/ PRIVMSG max /), await max.waitFor(/ PRIVMSG max /), await max.waitFor(/ PRIVMSG max /)]).toEqual([
      head + "b".repeat(longest.length),
      head + "b".repeat(longest.length),
      head + "b".repeat(1000 - 2 * longest.length),
    ]);
  });
});

import { DEFAULT_PLUGINS } from "../../src/composition-root";
import { FakeClock } from "../../src/testing/fake-clock";
import { IrcClient } from "../support/irc-client";
import { TcpClient } from "../support/tcp-client";
import { startIrcServer, type RunningServer } from "../support/tcp-server";

/* IRC users out of the lobby (PART #lobby, --irc-join-lobby off), and user mode +i, over real sockets. */

const ROOMS = [...DEFAULT_PLUGINS, "rooms"].map((name) => ({ name }));
const IRC = { port: 0, host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" };

/** IRC (server name chat.test) and TCP, the default plugins and rooms, no flood control; IRC users start outside the lobby unless `joinLobby`. */
function startServer(joinLobby: boolean, clock?: FakeClock): Promise<RunningServer> {
  return startIrcServer({ plugins: ROOMS, rateLimitPerSecond: 0, irc: { ...IRC, joinLobby } }, { clock });
}

/** Everything the client is sent from now on until the answer to a PING sent after `lines`: what they were answered, and anything else that came meanwhile. */
async function sentUntilPong(irc: IrcClient, ...lines: string[]): Promise<string[]> {
  for (const line of lines) irc.client.raw(line);
  irc.client.raw("PING :done");
  const said = await irc.linesUntil(/ PONG chat\.test :done$/);
  return said.slice(0, -1);
}

/** Proves that a TCP client was sent nothing else before: the next line is the answer to a PING. */
async function nothingMore(client: TcpClient): Promise<void> {
  client.send("PING");
  expect(await client.readLine()).toBe("PONG");
}

describe("IRC users out of the lobby", () => {
  let server: RunningServer;
  afterEach(async () => {
    IrcClient.closeAll();
    await server.app.stop({ graceMs: 100 });
  });

  it("takes a user out of the lobby by PART, seen by the lobby's IRC users and by no line user, and puts it back by JOIN, with the lobby's names", async () => {
    server = await startServer(true);
    const bob = await IrcClient.register(server.ircPort, "bob");
    const lee = await TcpClient.login(server.port, "lee");
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    expect(await bob.waitFor(/^:ivy\S* JOIN /)).toBe(":ivy!ivy@chat.test JOIN #lobby");

    expect(await sentUntilPong(ivy, "PART #lobby :off to work")).toEqual([":ivy!ivy@chat.test PART #lobby :off to work"]);
    expect(await bob.waitFor(/ PART /)).toBe(":ivy!ivy@chat.test PART #lobby :off to work");

    // Out of it: what goes to everyone does not come, the lobby is a channel it is not in, and the lobby lists it no more.
    lee.send("MSG anyone there?");
    await nothingMore(lee);
    expect(await bob.waitFor(/ PRIVMSG /)).toBe(":lee!lee@chat.test PRIVMSG #lobby :anyone there?");
    expect(await sentUntilPong(ivy, "PRIVMSG #lobby :me?", "PART #lobby", "NAMES #lobby", "LIST", "WHOIS ivy")).toEqual([
      ":chat.test 404 ivy #lobby :Cannot send to channel (not joined)",
      ":chat.test 442 ivy #lobby :You're not on that channel",
      ":chat.test 353 ivy = #lobby :bob lee",
      ":chat.test 366 ivy #lobby :End of /NAMES list",
      ":chat.test 321 ivy Channel :Users  Name",
      ":chat.test 322 ivy #lobby 2 :Everyone on this server, whatever they connect with",
      ":chat.test 323 ivy :End of /LIST",
      // In no channel: no 319.
      ":chat.test 311 ivy ivy ivy chat.test * :ivy",
      ":chat.test 312 ivy ivy chat.test :chat.test",
      expect.stringMatching(/^:chat\.test 317 ivy ivy \d+ \d+ :seconds idle, signon time$/),
      ":chat.test 318 ivy ivy :End of /WHOIS list",
    ]);

    expect(await sentUntilPong(ivy, "JOIN #lobby")).toEqual([
      ":ivy!ivy@chat.test JOIN #lobby",
      ":chat.test 332 ivy #lobby :Everyone on this server, whatever they connect with",
      ":chat.test 353 ivy = #lobby :bob lee ivy",
      ":chat.test 366 ivy #lobby :End of /NAMES list",
    ]);
    expect(await bob.waitFor(/^:ivy\S* JOIN /)).toBe(":ivy!ivy@chat.test JOIN #lobby");
    lee.send("MSG welcome back");
    expect(await ivy.waitFor(/ PRIVMSG /)).toBe(":lee!lee@chat.test PRIVMSG #lobby :welcome back");
    expect(await sentUntilPong(ivy, "JOIN #lobby")).toEqual([]);
    // The line protocol was told of none of it.
    await nothingMore(lee);
  });

  it("with --irc-join-lobby off: no lobby in the welcome; no message to everyone, no login; its room-mate's NICK and QUIT (with its reason), a DM, no stranger's", async () => {
    server = await startServer(false);
    const ivy = await IrcClient.registerOutside(server.ircPort, "ivy");
    expect(ivy.lines.slice(-5)).toEqual([
      ":chat.test 251 ivy :There are 1 users and 0 invisible on 1 servers",
      ":chat.test 255 ivy :I have 1 clients and 1 servers",
      ":chat.test 265 ivy :Current local users: 1",
      ":chat.test 266 ivy :Current global users: 1",
      ":chat.test 422 ivy :MOTD File is missing",
    ]);
    const lee = await TcpClient.login(server.port, "lee");
    const sam = await TcpClient.login(server.port, "sam");
    expect(await sentUntilPong(ivy, "JOIN #dev")).toEqual([":ivy!ivy@chat.test JOIN #dev", ":chat.test 353 ivy = #dev :@ivy", ":chat.test 366 ivy #dev :End of /NAMES list"]);
    lee.send("JOIN #dev");
    expect(await lee.readLine()).toBe("OK");

    lee.send("MSG hello everyone");
    expect(await sam.readLine()).toBe("MSG lee hello everyone");
    sam.send("MSG me too");
    sam.send("NICK samuel");
    expect(await sam.readLine()).toBe("OK");
    expect(await lee.readLines(2)).toEqual(["MSG sam me too", "INFO sam is now samuel"]);
    lee.send("NICK leo");
    expect(await lee.readLine()).toBe("OK");
    expect(await sam.readLine()).toBe("INFO lee is now leo");
    sam.send("DM ivy psst");
    sam.send("QUIT");
    expect(await sam.readLine()).toBe("INFO bye");
    expect(await lee.readLine()).toBe("INFO samuel disconnected");
    lee.send("QUIT gone home");
    expect(await lee.readLine()).toBe("INFO bye");
    expect(await ivy.waitFor(/ QUIT /)).toBe(":leo!leo@chat.test QUIT :Quit: gone home");
    // All it was sent since it joined #dev (answered by the PONG).
    expect(ivy.lines.slice(-5)).toEqual([
      ":chat.test PONG chat.test :done",
      ":lee!lee@chat.test JOIN #dev",
      ":lee!lee@chat.test NICK :leo",
      ":samuel!samuel@chat.test PRIVMSG ivy :psst",
      ":leo!leo@chat.test QUIT :Quit: gone home",
    ]);
  });

  it("tells it, of users who leave together, only its room-mate; the lobby's IRC users, all of them", async () => {
    const clock = new FakeClock();
    server = await startIrcServer({ plugins: ROOMS, rateLimitPerSecond: 0, idleTimeoutMs: 60_000, irc: IRC }, { clock });
    const bob = await IrcClient.register(server.ircPort, "bob");
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const lee = await TcpClient.login(server.port, "lee");
    const sam = await TcpClient.login(server.port, "sam");
    for (const line of ["JOIN #dev", "PART #lobby"]) ivy.client.raw(line);
    lee.send("JOIN #dev");
    expect(await lee.readLine()).toBe("OK");
    await sentUntilPong(ivy);
    await sentUntilPong(bob);

    // The IRC users are sent the server's PING and answer it; the line users stay silent.
    clock.advance(30_000);
    await sentUntilPong(ivy);
    await sentUntilPong(bob);
    // Both time out in one step of the clock: one departure, of both.
    clock.advance(30_000);
    expect(await lee.readLine()).toBe("ERR idle-timeout");
    expect(await sam.readLine()).toBe("ERR idle-timeout");
    // (Besides the server's next PING, which came with the same step of the clock.)
    const departures = async (irc: IrcClient): Promise<string[]> => (await sentUntilPong(irc)).filter((line) => line !== "PING :chat.test");
    expect(await departures(ivy)).toEqual([":lee!lee@chat.test QUIT :Ping timeout"]);
    expect(await departures(bob)).toEqual([":lee!lee@chat.test QUIT :Ping timeout", ":sam!sam@chat.test QUIT :Ping timeout"]);
  });

  it("counts in the lobby those in it: NAMES (no 353 for nobody), WHO #lobby, LIST, and LUSERS (no lobby among the channels when nobody is in it)", async () => {
    server = await startServer(false);
    const ivy = await IrcClient.registerOutside(server.ircPort, "ivy");
    expect(await sentUntilPong(ivy, "LIST", "LUSERS", "NAMES #lobby", "WHO #lobby")).toEqual([
      ":chat.test 321 ivy Channel :Users  Name",
      ":chat.test 323 ivy :End of /LIST",
      ":chat.test 251 ivy :There are 1 users and 0 invisible on 1 servers",
      ":chat.test 254 ivy 0 :channels formed",
      ":chat.test 255 ivy :I have 1 clients and 1 servers",
      ":chat.test 265 ivy :Current local users: 1",
      ":chat.test 266 ivy :Current global users: 1",
      ":chat.test 366 ivy #lobby :End of /NAMES list",
      ":chat.test 315 ivy #lobby :End of /WHO list",
    ]);
    await TcpClient.login(server.port, "lee");
    expect(await sentUntilPong(ivy, "LUSERS", "WHO #lobby")).toEqual([
      ":chat.test 251 ivy :There are 2 users and 0 invisible on 1 servers",
      ":chat.test 254 ivy 1 :channels formed",
      ":chat.test 255 ivy :I have 2 clients and 1 servers",
      ":chat.test 265 ivy :Current local users: 2",
      ":chat.test 266 ivy :Current global users: 2",
      ":chat.test 352 ivy #lobby lee chat.test chat.test lee H :0 lee",
      ":chat.test 315 ivy #lobby :End of /WHO list",
    ]);
  });
});

describe("user mode +i", () => {
  let server: RunningServer;
  afterEach(async () => {
    IrcClient.closeAll();
    await server.app.stop({ graceMs: 100 });
  });

  it("hides an invisible user from a WHO by mask of one who shares no channel with it, not from a WHO of its nick, nor once they share one; LUSERS counts it", async () => {
    server = await startServer(false);
    const evan = await IrcClient.registerOutside(server.ircPort, "evan");
    expect(await sentUntilPong(evan, "MODE evan +i")).toEqual([":evan MODE evan :+i"]);
    const shivaram = await IrcClient.registerOutside(server.ircPort, "shivaram");
    expect(shivaram.lines.find((line) => / 251 /.test(line))).toBe(":chat.test 251 shivaram :There are 1 users and 1 invisible on 1 servers");
    expect(await sentUntilPong(shivaram, "WHO eva*", "WHO *", "WHO evan")).toEqual([
      ":chat.test 315 shivaram eva* :End of /WHO list",
      ":chat.test 352 shivaram * shivaram chat.test chat.test shivaram H :0 shivaram",
      ":chat.test 315 shivaram * :End of /WHO list",
      ":chat.test 352 shivaram * evan chat.test chat.test evan H :0 evan",
      ":chat.test 315 shivaram evan :End of /WHO list",
    ]);
    // Itself, it sees.
    expect(await sentUntilPong(evan, "WHO ev?n")).toEqual([":chat.test 352 evan * evan chat.test chat.test evan H :0 evan", ":chat.test 315 evan ev?n :End of /WHO list"]);

    await sentUntilPong(evan, "JOIN #test");
    await sentUntilPong(shivaram, "JOIN #test");
    expect(await sentUntilPong(shivaram, "WHO eva*", "LUSERS")).toEqual([
      ":chat.test 352 shivaram * evan chat.test chat.test evan H :0 evan",
      ":chat.test 315 shivaram eva* :End of /WHO list",
      ":chat.test 251 shivaram :There are 1 users and 1 invisible on 1 servers",
      ":chat.test 254 shivaram 1 :channels formed",
      ":chat.test 255 shivaram :I have 2 clients and 1 servers",
      ":chat.test 265 shivaram :Current local users: 2",
      ":chat.test 266 shivaram :Current global users: 2",
    ]);
    expect(await sentUntilPong(evan, "MODE evan -i")).toEqual([":shivaram!shivaram@chat.test JOIN #test", ":evan MODE evan :-i"]);
    expect((await sentUntilPong(shivaram, "LUSERS"))[0]).toBe(":chat.test 251 shivaram :There are 2 users and 0 invisible on 1 servers");
  });

  it("counts sharing the lobby as sharing a channel, when both are in it", async () => {
    server = await startServer(true);
    const evan = await IrcClient.register(server.ircPort, "evan");
    await sentUntilPong(evan, "MODE evan +i");
    const shivaram = await IrcClient.register(server.ircPort, "shivaram");
    expect(await sentUntilPong(shivaram, "WHO eva*")).toEqual([":chat.test 352 shivaram * evan chat.test chat.test evan H :0 evan", ":chat.test 315 shivaram eva* :End of /WHO list"]);
    await sentUntilPong(shivaram, "PART #lobby");
    expect(await sentUntilPong(shivaram, "WHO eva*")).toEqual([":chat.test 315 shivaram eva* :End of /WHO list"]);
  });
});

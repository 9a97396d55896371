import { DEFAULT_PLUGINS } from "../../src/composition-root";
import { selfSignedCertificate } from "../support/certificates";
import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { InProcessProfiles } from "../../src/adapters/in-process/in-process-profiles";
import type { Profile } from "../../src/core/ports/profiles.port";
import { connectJson, ISO_TIME, loginJson, nextFrame, sendFrame } from "../support/json-client";
import { IrcClient } from "../support/irc-client";
import { startTcpServer, type RunningServer } from "../support/tcp-server";
import { TcpClient } from "../support/tcp-client";
import { ULID } from "../support/ulid";

const ROOMS = [...DEFAULT_PLUGINS, "rooms"].map((name) => ({ name }));
const IRC = { port: 0, host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" };
/** WHOIS's idle and signon line, whatever the times. */
const IDLE = (asker: string, user: string): unknown => expect.stringMatching(new RegExp(`^:chat\\.test 317 ${asker} ${user} \\d+ \\d+ :seconds idle, signon time$`));

describe("what users see of each other: away, WHOIS", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("shows an away user as away: 301 to whoever messages it (IRC), `away` in a JSON `sent`, in WHOIS; back, no more", async () => {
    server = await startTcpServer({ plugins: ROOMS, irc: IRC, web: { port: 0, host: "127.0.0.1" } });
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const bob = await IrcClient.register(server.ircPort, "bob");
    const line = await TcpClient.login(server.port, "lee");
    const json = await connectJson(server.webPort);
    sendFrame(json, { type: "login", name: "jay" });
    expect(await nextFrame(json)).toEqual({ type: "ok" });

    ivy.client.raw("AWAY :out to lunch");
    expect(await ivy.waitFor(/ 306 /)).toBe(":chat.test 306 ivy :You have been marked as being away");
    bob.client.say("ivy", "are you there?");
    expect(await bob.waitFor(/ 301 /)).toBe(":chat.test 301 bob ivy :out to lunch");
    sendFrame(json, { type: "send", text: "hello?", to: { user: "ivy" }, id: "d" });
    expect(await nextFrame(json)).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME), away: "out to lunch", for: "d" });
    bob.client.raw("WHOIS ivy");
    expect(await bob.linesUntil(/ 318 /)).toEqual([
      ":chat.test 311 bob ivy ivy chat.test * :ivy",
      ":chat.test 319 bob ivy :#lobby",
      ":chat.test 312 bob ivy chat.test :chat.test",
      ":chat.test 301 bob ivy :out to lunch",
      IDLE("bob", "ivy"),
      ":chat.test 318 bob ivy :End of /WHOIS list",
    ]);

    // Away from the line protocol and the JSON API too (ext: AWAY [message]), back with none.
    line.send("AWAY in a meeting");
    expect(await line.readLine()).toBe("OK");
    bob.client.say("lee", "ping");
    expect(await bob.waitFor(/ 301 /)).toBe(":chat.test 301 bob lee :in a meeting");
    sendFrame(json, { type: "away", message: "brb", id: "a" });
    expect(await nextFrame(json)).toEqual({ type: "ok", for: "a" });
    bob.client.say("jay", "ping");
    expect(await bob.waitFor(/ 301 /)).toBe(":chat.test 301 bob jay :brb");

    ivy.client.raw("AWAY");
    expect(await ivy.waitFor(/ 305 /)).toBe(":chat.test 305 ivy :You are no longer marked as being away");
    bob.client.say("ivy", "welcome back");
    bob.client.raw("WHOIS ivy");
    expect(await bob.linesUntil(/ 318 /)).toEqual([
      ":chat.test 311 bob ivy ivy chat.test * :ivy",
      ":chat.test 319 bob ivy :#lobby",
      ":chat.test 312 bob ivy chat.test :chat.test",
      IDLE("bob", "ivy"),
      ":chat.test 318 bob ivy :End of /WHOIS list",
    ]);
    // Away is no absence: the messages came all the same.
    expect(await ivy.waitFor(/PRIVMSG ivy/)).toBe(":bob!bob@chat.test PRIVMSG ivy :welcome back");
    expect(ivy.lines).toContain(":bob!bob@chat.test PRIVMSG ivy :are you there?");
  });

  it("lists in WHOIS a user's channels, its realname (IRC), its idle and signon times, and 671 for one connected over TLS, on any door", async () => {
    const { certFile, keyFile, pem } = selfSignedCertificate();
    const before = Math.floor(Date.now() / 1000);
    server = await startTcpServer({ plugins: ROOMS, irc: IRC, tls: { certFile, keyFile } });
    const secure = await TcpClient.connectTls(server.port, pem);
    secure.send("LOGIN sam");
    expect(await secure.readLine()).toBe("OK");
    secure.send("JOIN #dev");
    expect(await secure.readLine()).toBe("OK");
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    ivy.client.raw("WHOIS sam");
    const whois = await ivy.linesUntil(/ 318 /);
    expect(whois).toEqual([
      ":chat.test 311 ivy sam sam chat.test * :sam",
      ":chat.test 319 ivy sam :#lobby @#dev",
      ":chat.test 312 ivy sam chat.test :chat.test",
      ":chat.test 671 ivy sam :is using a secure connection",
      IDLE("ivy", "sam"),
      ":chat.test 318 ivy sam :End of /WHOIS list",
    ]);
    const idle = whois[4];
    const [idleSeconds, signon] = idle!.split(" ").slice(4, 6).map(Number);
    expect(signon).toBeGreaterThanOrEqual(before);
    expect(signon).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(idleSeconds).toBeGreaterThanOrEqual(0);

    // An IRC client's user name and realname (USER's first and last parameters) are what WHOIS and WHO say
    // (the user name cut to USERLEN, 10); a plain connection has no 671.
    await IrcClient.register(server.ircPort, "bob", "Bob the Builder", "builder-of-things");
    await ivy.waitFor(/ JOIN #lobby$/);
    ivy.client.raw("WHO bob");
    expect(await ivy.linesUntil(/ 315 /)).toEqual([":chat.test 352 ivy * builder-of chat.test chat.test bob H :0 Bob the Builder", ":chat.test 315 ivy bob :End of /WHO list"]);
    ivy.client.raw("WHOIS bob");
    expect(await ivy.linesUntil(/ 318 /)).toEqual([
      ":chat.test 311 ivy bob builder-of chat.test * :Bob the Builder",
      ":chat.test 319 ivy bob :#lobby",
      ":chat.test 312 ivy bob chat.test :chat.test",
      IDLE("ivy", "bob"),
      ":chat.test 318 ivy bob :End of /WHOIS list",
    ]);
  });
});

describe("a DM whose recipient's profile cannot be read (review of #20)", () => {
  it("is delivered and answered as delivered: the away message is only missing", async () => {
    const unreadable = new (class extends InProcessProfiles {
      override profilesOf(): Promise<readonly (Profile | null)[]> {
        return Promise.reject(new Error("Redis is away"));
      }
    })();
    const server = await startTcpServer({ web: { port: 0, host: "127.0.0.1" } }, { profiles: unreadable });
    try {
      const json = await loginJson(server.webPort, "jay");
      const bob = await TcpClient.login(server.port, "bob");
      expect(await nextFrame(json)).toMatchObject({ type: "arrived", user: "bob" });
      sendFrame(json, { type: "send", text: "hi bob", to: { user: "bob" }, id: "d" });
      expect(await nextFrame(json)).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME), for: "d" });
      expect(await bob.readLine()).toBe("DM jay hi bob");
    } finally {
      await server.app.stop({ graceMs: 100 });
    }
  });
});

describeCluster("away and WHOIS on a cluster", () => {
  const cluster = clusterPerTest("1");

  it("shows a user of one node as away, in its rooms and secure or not, to the users of another (the profile in Redis)", async () => {
    const args = ["--irc-port", "0", "--server-name", "chat.test", "--plugins", "login,msg,who,dm,ping,quit,rooms"];
    const [a, b] = await Promise.all([cluster.start("a", ...args), cluster.start("b", ...args)]);
    const ivy = await IrcClient.register(await a.node.port("irc"), "ivy");
    const bob = await IrcClient.register(await b.node.port("irc"), "bob");
    ivy.client.join("#dev");
    await ivy.waitFor(/ 366 ivy #dev /);
    ivy.client.raw("AWAY :gone fishing");
    await ivy.waitFor(/ 306 /);
    bob.client.say("ivy", "hello");
    expect(await bob.waitFor(/ 301 /)).toBe(":chat.test 301 bob ivy :gone fishing");
    bob.client.raw("WHOIS ivy");
    expect(await bob.linesUntil(/ 318 /)).toEqual([
      ":chat.test 311 bob ivy ivy chat.test * :ivy",
      ":chat.test 319 bob ivy :#lobby @#dev",
      ":chat.test 312 bob ivy chat.test :chat.test",
      ":chat.test 301 bob ivy :gone fishing",
      IDLE("bob", "ivy"),
      ":chat.test 318 bob ivy :End of /WHOIS list",
    ]);
  }, 15_000);
});

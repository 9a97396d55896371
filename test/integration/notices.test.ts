import { connectJson, ISO_TIME, nextFrame, sendFrame, unstamped } from "../support/json-client";
import { ULID } from "../support/ulid";
import { IrcClient } from "../support/irc-client";
import { startTcpServer, type RunningServer } from "../support/tcp-server";
import { TcpClient } from "../support/tcp-client";

describe("notices: messages no client answers by itself", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("delivers an IRC NOTICE as a NOTICE to IRC users, a message to line users, and a message marked notice in JSON; never answers one", async () => {
    server = await startTcpServer({
      web: { port: 0, host: "127.0.0.1" },
      irc: { port: 0, host: "127.0.0.1", serverName: "chat.test", lobby: "#lobby" },
      rateLimitPerSecond: 0,
    });
    const json = await connectJson(server.webPort);
    sendFrame(json, { type: "login", name: "jay" });
    expect(await nextFrame(json)).toEqual({ type: "ok" });
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const lee = await TcpClient.login(server.port, "lee");
    const bob = await IrcClient.register(server.ircPort, "bob");
    await ivy.waitFor(/^:bob\S* JOIN #lobby$/);
    for (const arrived of ["ivy", "lee", "bob"]) expect(unstamped(await json.readLine())).toBe(`{"type":"arrived","user":"${arrived}"}`);

    bob.client.raw("NOTICE #lobby :hello there");
    expect(await ivy.waitFor(/ NOTICE /)).toBe(":bob!bob@chat.test NOTICE #lobby :hello there");
    expect(await lee.readLine()).toBe("MSG bob hello there");
    expect(unstamped(await json.readLine())).toBe('{"type":"message","from":"bob","to":"everyone","text":"hello there","notice":true}');
    bob.client.raw("NOTICE ivy :just you");
    expect(await ivy.waitFor(/ NOTICE /)).toBe(":bob!bob@chat.test NOTICE ivy :just you");

    // Whatever goes wrong with a notice, nothing is said back (RFC 2812, 3.3.2).
    for (const line of ["NOTICE nobody :hi", "NOTICE #nonexistent :hi", "NOTICE ivy :", "NOTICE"]) bob.client.raw(line);
    bob.client.raw("PING :after");
    expect(await bob.waitFor(/^:chat\.test /)).toBe(":chat.test PONG chat.test :after");

    // From the JSON API (`notice: true`) and the line protocol (ext: NOTICE <target> <text>).
    sendFrame(json, { type: "send", text: "beep", to: { user: "ivy" }, notice: true, id: "n" });
    expect(await nextFrame(json)).toEqual({ type: "sent", id: expect.stringMatching(ULID), at: expect.stringMatching(ISO_TIME), for: "n" });
    expect(await ivy.waitFor(/ NOTICE /)).toBe(":jay!jay@chat.test NOTICE ivy :beep");
    lee.send("NOTICE * build is green");
    expect(await ivy.waitFor(/ NOTICE /)).toBe(":lee!lee@chat.test NOTICE #lobby :build is green");
    expect(unstamped(await json.readLine())).toBe('{"type":"message","from":"lee","to":"everyone","text":"build is green","notice":true}');
    lee.send("NOTICE nobody hi");
    expect(await lee.readLine()).toBe("ERR user-not-found nobody");

    // A JSON target keeps its kind (review of #20: a room without # went to the user of that name, a user "*" to everyone);
    // on IRC, "*" is no nick: such a notice goes nowhere.
    sendFrame(json, { type: "send", text: "x", to: { user: "*" }, notice: true, id: "star" });
    expect(await nextFrame(json)).toEqual({ type: "error", code: "user-not-found", subject: "*", for: "star" });
    sendFrame(json, { type: "send", text: "x", to: { room: "ivy" }, notice: true, id: "room" });
    expect(await nextFrame(json)).toEqual({ type: "error", code: "invalid-frame", subject: "/to/room: this server has no rooms", for: "room" });
    bob.client.raw("NOTICE * :to everyone?");
    lee.send("PING");
    expect(await lee.readLine()).toBe("PONG");
    ivy.client.raw("PING :after");
    expect(await ivy.waitFor(/PONG|NOTICE/)).toBe(":chat.test PONG chat.test :after");
  });
});

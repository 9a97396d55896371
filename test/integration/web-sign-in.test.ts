import { DEFAULT_PLUGINS, type ServerConfig } from "../../src/composition-root";
import { connectJson, loginJson, nextFrame, sendFrame } from "../support/json-client";
import { TcpClient } from "../support/tcp-client";
import { startWebServer, type RunningServer } from "../support/tcp-server";
import { WsClient } from "../support/ws-client";

/* Browsers' sign-ins on the web port (/auth/...), their cookie on /ws and /api, and the JSON door's account frames. */

/** A sign-in cookie as the server sets it over plain HTTP: the token, then its attributes. */
const SIGN_IN_COOKIE = /^chat_sign_in=([A-Za-z0-9_-]{43}); Path=\/; Max-Age=2592000; HttpOnly; SameSite=Strict$/;
const CLEARED = "chat_sign_in=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict";

interface HttpAnswer {
  readonly status: number;
  /** The parsed JSON body. */
  readonly body: unknown;
  /** The Set-Cookie header, or null. */
  readonly setCookie: string | null;
}

/** A request to the web port's sign-in endpoints, as a browser's fetch with `token` in its cookie. */
async function request(port: number, path: string, init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const { method = init.body === undefined ? "GET" : "POST", body, token, headers = {} } = init;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { "content-type": "application/json" }),
      ...(token !== undefined && { cookie: `chat_sign_in=${token}` }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json(), setCookie: response.headers.get("set-cookie") };
}

/** Signs in (or registers) over HTTP, as the web client does, and gives the cookie's token. */
async function signIn(port: number, path: "/auth/signin" | "/auth/register", name: string, password: string): Promise<string> {
  const answer = await request(port, path, { body: { name, password } });
  expect(answer).toEqual({ status: 200, body: { account: name }, setCookie: expect.stringMatching(SIGN_IN_COOKIE) });
  return SIGN_IN_COOKIE.exec(answer.setCookie!)![1]!;
}

/** A WebSocket whose request carries the browser's sign-in cookie. */
function connectWith(port: number, token: string, path = "/ws"): Promise<WsClient> {
  return WsClient.connect(port, { path, headers: { cookie: `other=1; chat_sign_in=${token}` } });
}

describe("signing in from a browser: /auth/... on the web port", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("registers and signs in with a cookie the page cannot read; the cookie's WebSocket logs in to the account by its name alone", async () => {
    server = await startWebServer({ rateLimitPerSecond: 0 });
    const port = server.webPort;
    expect(await request(port, "/auth/me")).toEqual({ status: 200, body: { account: null }, setCookie: null });
    const token = await signIn(port, "/auth/register", "Alice", "open sesame");
    expect(await request(port, "/auth/me", { token })).toEqual({ status: 200, body: { account: "Alice" }, setCookie: null });
    expect(await signIn(port, "/auth/signin", "Alice", "open sesame")).not.toBe(token);

    const alice = await connectWith(port, token);
    alice.send("LOGIN alice");
    expect(await alice.readLine()).toBe("OK");
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("WHO profiles");
    expect(await bob.readLines(3)).toEqual(["USER Alice Alice", "USER bob *", "END WHO"]);
    // A guest may not take it; nor may a cookie that signs in to nothing.
    const guest = await connectWith(port, "x".repeat(43));
    guest.send("LOGIN Alice");
    expect(await guest.readLine()).toBe("ERR username-registered");
    alice.send("QUIT");
    expect(await alice.readLine()).toBe("INFO bye");

    // The JSON API's login, on a connection with the cookie: the account's name alone; another name is a guest's.
    const api = await connectWith(port, token, "/api");
    sendFrame(api, { type: "login", name: "ALICE", id: "in" });
    expect(await api.readLine()).toBe('{"type":"ok","for":"in"}');
    sendFrame(api, { type: "who", id: "w" });
    expect(await api.readLine()).toBe('{"type":"users","users":["bob","Alice"],"signedIn":["Alice"],"for":"w"}');
    const other = await connectWith(port, token, "/api");
    sendFrame(other, { type: "login", name: "carol" });
    expect(await other.readLine()).toBe('{"type":"ok"}');
  });

  it("answers a refusal with its status and the core's code, the same for an unknown account as for a wrong password", async () => {
    server = await startWebServer({ rateLimitPerSecond: 0 });
    const port = server.webPort;
    await signIn(port, "/auth/register", "alice", "right");
    const refused = (status: number, error: string): HttpAnswer => ({ status, body: { error }, setCookie: null });
    const answers: [string, Parameters<typeof request>[2], HttpAnswer][] = [
      ["/auth/signin", { body: { name: "alice", password: "wrong" } }, refused(403, "bad-credentials")],
      ["/auth/signin", { body: { name: "nobody", password: "right" } }, refused(403, "bad-credentials")],
      ["/auth/register", { body: { name: "ALICE", password: "other" } }, refused(409, "username-taken")],
      ["/auth/register", { body: { name: "-bad", password: "pw" } }, refused(400, "invalid-username")],
      ["/auth/register", { body: { name: "bob", password: "" } }, refused(400, "invalid-password")],
      ["/auth/register", { body: { name: "bob", password: "p".repeat(257) } }, refused(400, "invalid-password")],
      ["/auth/password", { body: { password: "right", newPassword: "new" } }, { status: 403, body: { error: "not-signed-in" }, setCookie: CLEARED }],
      ["/auth/signout-everywhere", { body: {} }, { status: 403, body: { error: "not-signed-in" }, setCookie: CLEARED }],
      ["/auth/signin", { body: "name=alice&password=right", headers: { "content-type": "application/x-www-form-urlencoded" } }, refused(415, "json-required")],
      ["/auth/signin", { body: { name: "alice", password: "right" }, headers: { origin: "http://elsewhere.example" } }, refused(403, "cross-site")],
      ["/auth/signin", { body: "{not json" }, refused(400, "invalid-json")],
      ["/auth/signin", { body: "[]" }, refused(400, "invalid-json")],
      ["/auth/signin", { body: { name: "alice" } }, refused(400, "invalid-body")],
      ["/auth/signin", { body: { name: "alice", password: "right", remember: true } }, refused(400, "invalid-body")],
      ["/auth/signin", { body: { name: "alice", password: "x".repeat(5000) } }, refused(413, "body-too-long")],
      ["/auth/signin", { method: "GET" }, refused(405, "method-not-allowed")],
      ["/auth/me", { method: "POST", body: {} }, refused(405, "method-not-allowed")],
      ["/auth/nothing", {}, refused(404, "not-found")],
    ];
    for (const [path, init, answer] of answers) expect([path, init, await request(port, path, init)]).toEqual([path, init, answer]);
    // Five failures at one account are free (one above); the sixth makes it wait, the right password too.
    for (let i = 0; i < 5; i++) expect(await request(port, "/auth/signin", { body: { name: "alice", password: "wrong" } })).toEqual(refused(403, "bad-credentials"));
    expect(await request(port, "/auth/signin", { body: { name: "alice", password: "right" } })).toEqual(refused(429, "too-many-attempts"));
  });

  it("takes a password from a listed proxy only when it says the client's hop was HTTPS, and then sets a Secure cookie", async () => {
    server = await startWebServer({ rateLimitPerSecond: 0, web: { port: 0, host: "127.0.0.1", trustedProxies: ["127.0.0.1"] } });
    const port = server.webPort;
    const forwarded = { "x-forwarded-for": "203.0.113.7" };
    const body = { name: "alice", password: "pw" };
    expect(await request(port, "/auth/register", { body, headers: forwarded })).toEqual({ status: 403, body: { error: "password-needs-tls" }, setCookie: null });
    const secure = await request(port, "/auth/register", { body, headers: { ...forwarded, "x-forwarded-proto": "https" } });
    expect(secure).toEqual({ status: 200, body: { account: "alice" }, setCookie: expect.stringMatching(/^chat_sign_in=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Strict; Secure$/) });
  });

  it("says which refusal a server without accounts gives, or with registration closed", async () => {
    server = await startWebServer({ database: "none" });
    expect(await request(server.webPort, "/auth/signin", { body: { name: "alice", password: "pw" } })).toEqual({ status: 404, body: { error: "no-accounts" }, setCookie: null });
    await server.app.stop({ graceMs: 100 });
    server = await startWebServer({ registration: "closed" });
    expect(await request(server.webPort, "/auth/register", { body: { name: "alice", password: "pw" } })).toEqual({ status: 403, body: { error: "registration-closed" }, setCookie: null });
  });

  it("signing out forgets this browser's token; signing out everywhere, every browser's, and ends the account's sessions", async () => {
    server = await startWebServer({ rateLimitPerSecond: 0 });
    const port = server.webPort;
    const here = await signIn(port, "/auth/register", "alice", "pw");
    const there = await signIn(port, "/auth/signin", "alice", "pw");
    const elsewhere = await signIn(port, "/auth/signin", "alice", "pw");
    expect(await request(port, "/auth/signout", { body: {}, token: there })).toEqual({ status: 200, body: { account: null }, setCookie: CLEARED });
    expect(await request(port, "/auth/me", { token: there })).toEqual({ status: 200, body: { account: null }, setCookie: CLEARED });
    expect(await request(port, "/auth/me", { token: here })).toEqual({ status: 200, body: { account: "alice" }, setCookie: null });

    const bob = await TcpClient.login(server.port, "bob");
    const alice = await connectWith(port, here);
    alice.send("LOGIN alice");
    expect(await alice.readLine()).toBe("OK");
    alice.send("RESUMABLE");
    const resumeToken = (await alice.readLine()).replace(/^TOKEN /, "");
    // Signed in by its cookie, not logged in yet: it would log in to the account.
    const waiting = await connectWith(port, elsewhere, "/api");
    // Another account's session, its connection dropped: waiting for a resume.
    const carolToken = await signIn(port, "/auth/register", "carol", "pw");
    const carol = await connectWith(port, carolToken);
    carol.send("LOGIN carol");
    expect(await carol.readLine()).toBe("OK");
    carol.send("RESUMABLE");
    await carol.readLine();
    carol.terminate();
    await server.logger.waitFor("connection dropped, resumable");

    expect(await request(port, "/auth/signout-everywhere", { body: {}, token: here })).toEqual({ status: 200, body: { account: null }, setCookie: CLEARED });
    expect(await alice.readUntilClosed()).toEqual({ lines: ["ERR signed-out"], code: 1000, reason: "" });
    expect(await waiting.readUntilClosed()).toEqual({ lines: ['{"type":"error","code":"signed-out"}'], code: 1000, reason: "" });
    expect(await bob.readLine()).toBe("INFO alice disconnected");
    expect(await request(port, "/auth/me", { token: elsewhere })).toEqual({ status: 200, body: { account: null }, setCookie: CLEARED });
    const thief = await WsClient.connect(port);
    thief.send(`RESUME ${resumeToken} 1`);
    expect(await thief.readLine()).toBe("ERR resume-refused unknown-token");

    // Carol's sessions end when she signs out everywhere, the one waiting for a resume too.
    expect(await request(port, "/auth/signout-everywhere", { body: {}, token: carolToken })).toEqual({ status: 200, body: { account: null }, setCookie: CLEARED });
    expect(await bob.readLine()).toBe("INFO carol disconnected");
  });

  it("a password change voids every cookie issued before it; the browser that changed it gets a new one", async () => {
    server = await startWebServer({ rateLimitPerSecond: 0 });
    const port = server.webPort;
    const first = await signIn(port, "/auth/register", "alice", "one");
    const second = await signIn(port, "/auth/signin", "alice", "one");
    expect(await request(port, "/auth/password", { body: { password: "wrong", newPassword: "two" }, token: first })).toEqual({
      status: 403,
      body: { error: "bad-credentials" },
      setCookie: null,
    });
    const changed = await request(port, "/auth/password", { body: { password: "one", newPassword: "two" }, token: first });
    expect(changed).toEqual({ status: 200, body: { account: "alice" }, setCookie: expect.stringMatching(SIGN_IN_COOKIE) });
    const fresh = SIGN_IN_COOKIE.exec(changed.setCookie!)![1]!;
    for (const stale of [first, second]) expect(await request(port, "/auth/me", { token: stale })).toEqual({ status: 200, body: { account: null }, setCookie: CLEARED });
    const staleSocket = await connectWith(port, second);
    staleSocket.send("LOGIN alice");
    expect(await staleSocket.readLine()).toBe("ERR username-registered");

    // A change on the line protocol voids the cookies too.
    const alice = await connectWith(port, fresh);
    alice.send("LOGIN alice");
    expect(await alice.readLine()).toBe("OK");
    alice.send("PASSWORD two three");
    expect(await alice.readLine()).toBe("OK");
    expect(await request(port, "/auth/me", { token: fresh })).toEqual({ status: 200, body: { account: null }, setCookie: CLEARED });
  });
});

describe("accounts on the JSON API", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  /** The server's default plugins, and rooms. */
  const config = (): Partial<ServerConfig> => ({ rateLimitPerSecond: 0, plugins: [...DEFAULT_PLUGINS, "rooms"].map((name) => ({ name })) });

  it("registers, signs in, changes the password and deletes the account, each answered as login is", async () => {
    server = await startWebServer(config());
    const port = server.webPort;
    const alice = await connectJson(port);
    const answers: [object, string][] = [
      [{ type: "register", name: "alice", password: "one", id: "r" }, '{"type":"ok","for":"r"}'],
      [{ type: "password", password: "wrong", newPassword: "two", id: "p1" }, '{"type":"error","code":"bad-credentials","for":"p1"}'],
      [{ type: "password", password: "one", newPassword: "two words", id: "p2" }, '{"type":"ok","for":"p2"}'],
      [{ type: "command", verb: "register", params: ["x", "y"], id: "c" }, '{"type":"error","code":"reserved-verb","subject":"REGISTER","for":"c"}'],
      [{ type: "quit", id: "q" }, '{"type":"bye","for":"q"}'],
    ];
    for (const [frame, answer] of answers) {
      sendFrame(alice, frame);
      expect(await alice.readLine()).toBe(answer);
    }
    const again = await connectJson(port);
    const signIns: [object, string][] = [
      [{ type: "login", name: "alice", id: "g" }, '{"type":"error","code":"username-registered","for":"g"}'],
      [{ type: "login", name: "alice", password: "two", id: "l1" }, '{"type":"error","code":"bad-credentials","for":"l1"}'],
      [{ type: "login", name: "alice", password: "two words", id: "l2" }, '{"type":"ok","for":"l2"}'],
      [{ type: "unregister", password: "one", id: "u1" }, '{"type":"error","code":"bad-credentials","for":"u1"}'],
    ];
    for (const [frame, answer] of signIns) {
      sendFrame(again, frame);
      expect(await again.readLine()).toBe(answer);
    }
    // Deleting the account ends its sessions, this one too, once answered.
    sendFrame(again, { type: "unregister", password: "two words", id: "u2" });
    expect(await again.readLine()).toBe('{"type":"ok","for":"u2"}');
    expect(await again.readLine()).toBe('{"type":"bye","for":"u2"}');
  });

  it("says who is signed in where it lists users: who, whois, members, and arrived", async () => {
    server = await startWebServer(config());
    const port = server.webPort;
    const alice = await connectJson(port);
    sendFrame(alice, { type: "register", name: "alice", password: "pw" });
    expect(await alice.readLine()).toBe('{"type":"ok"}');
    const bob = await loginJson(port, "bob");
    expect(await nextFrame(alice)).toEqual({ type: "arrived", id: expect.any(String), at: expect.any(String), user: "bob" });
    const carol = await connectJson(port);
    sendFrame(carol, { type: "register", name: "carol", password: "pw" });
    expect(await carol.readLine()).toBe('{"type":"ok"}');
    expect(await nextFrame(alice)).toEqual({ type: "arrived", id: expect.any(String), at: expect.any(String), user: "carol", signedIn: true });
    expect(await nextFrame(bob)).toEqual({ type: "arrived", id: expect.any(String), at: expect.any(String), user: "carol", signedIn: true });
    sendFrame(carol, { type: "quit" });
    const left = { type: "left", id: expect.any(String), at: expect.any(String), user: "carol", reason: "quit" };
    expect(await nextFrame(alice)).toEqual(left);
    expect(await nextFrame(bob)).toEqual(left);
    for (const client of [alice, bob]) {
      sendFrame(client, { type: "join", room: "#dev" });
      expect(await nextFrame(client)).toEqual({ type: "ok" });
    }
    const asked: [object, string][] = [
      [{ type: "who" }, '{"type":"users","users":["alice","bob"],"signedIn":["alice"]}'],
      [{ type: "whois", names: ["bob", "alice"] }, '{"type":"users","users":["bob","alice"],"signedIn":["alice"]}'],
      [{ type: "members", room: "#dev" }, '{"type":"members","room":"#dev","members":["alice","bob"],"operators":["alice"],"signedIn":["alice"]}'],
    ];
    for (const [frame, answer] of asked) {
      sendFrame(bob, frame);
      expect(await bob.readLine()).toBe(answer);
    }
  });

  it("without the accounts plugin: a login with a password is refused, never taken as a guest's, and the other frames are unknown", async () => {
    server = await startWebServer({ plugins: ["login", "who"].map((name) => ({ name })) });
    const client = await connectJson(server.webPort);
    const answers: [object, string][] = [
      [{ type: "login", name: "alice", password: "pw", id: "l" }, '{"type":"error","code":"invalid-frame","subject":"/password: this server has no accounts","for":"l"}'],
      [{ type: "register", name: "alice", password: "pw", id: "r" }, '{"type":"error","code":"unknown-command","subject":"REGISTER","for":"r"}'],
      [{ type: "login", name: "alice", id: "g" }, '{"type":"ok","for":"g"}'],
    ];
    for (const [frame, answer] of answers) {
      sendFrame(client, frame);
      expect(await client.readLine()).toBe(answer);
    }
  });
});

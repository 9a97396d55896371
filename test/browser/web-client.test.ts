import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import type { ServerConfig } from "../../src/composition-root";
import { CliProcess } from "../support/cli-process";
import { browserPerFile, describeBrowser, duplicateTab, launchBrowser, logIn, logLines, openChat, pageErrors, say } from "../support/browser";
import { RedisServer, redisServerInstalled } from "../../src/testing/redis-server";
import { TcpClient } from "../support/tcp-client";
import { TcpProxy } from "../support/tcp-proxy";
import { startWebServer, type RunningServer } from "../support/tcp-server";

jest.setTimeout(30_000);

/** The README's picture of the client: written when missing, or again with UPDATE_SCREENSHOTS=1. */
const SCREENSHOT = join(__dirname, "..", "..", "docs", "images", "web-client.png");

/** The server's commands, rooms among them. */
const WITH_ROOMS = ["login", "msg", "who", "dm", "ping", "quit", "rooms"].map((name) => ({ name }));

describeBrowser("the web client, in Chromium", () => {
  const { browser, pages } = browserPerFile();
  let server: RunningServer;
  const proxies: TcpProxy[] = [];

  afterEach(async () => {
    for (const proxy of proxies.splice(0)) await proxy.close();
    await server?.app.stop({ graceMs: 100 });
  });

  async function open(options: { query?: string; width?: number } = {}): Promise<Page> {
    const page = await openChat(browser(), server.webPort, options);
    pages.push(page);
    return page;
  }

  /** alice's page, through a proxy that can drop its connection, her session resumable. */
  async function resumableBehindProxy(config: Partial<ServerConfig> = {}): Promise<{ page: Page; proxy: TcpProxy }> {
    server = await startWebServer(config);
    const proxy = await TcpProxy.start(server.webPort);
    proxies.push(proxy);
    const page = await openChat(browser(), proxy.port);
    pages.push(page);
    await logIn(page, "alice");
    await server.logger.waitFor("resumable");
    return { page, proxy };
  }

  it("lets two browser users and a TCP user chat with each other", async () => {
    server = await startWebServer();
    const alice = await open();
    const bob = await open();
    await logIn(alice, "alice");
    await logIn(bob, "bob");
    const carol = await TcpClient.login(server.port, "carol");
    await say(bob, "hello from a browser");
    await alice.locator("#log li", { hasText: "hello from a browser" }).waitFor();
    expect(await carol.readLine()).toBe("MSG bob hello from a browser");
    carol.send("MSG hello from a terminal");
    for (const page of [alice, bob]) await page.locator("#log li", { hasText: "hello from a terminal" }).waitFor();
    expect(await logLines(alice)).toEqual(["bob: hello from a browser", "carol: hello from a terminal"]);
    expect(await logLines(bob)).toEqual(["bob: hello from a browser", "carol: hello from a terminal"]);
    await say(alice, "hi both");
    expect(await carol.readLine()).toBe("MSG alice hi both");
    if (!existsSync(SCREENSHOT) || process.env.UPDATE_SCREENSHOTS === "1") await alice.screenshot({ path: SCREENSHOT });
  });

  it("says in words that a name is taken, and logs in with another", async () => {
    server = await startWebServer();
    await TcpClient.login(server.port, "dave");
    const page = await open();
    await page.fill("#name", "Dave");
    await page.press("#name", "Enter");
    await page.getByText("That name is taken: someone online has it. Try another.").waitFor();
    await page.fill("#name", "bad name");
    await page.press("#name", "Enter");
    await page.getByText("Names are 1 to 32 letters, digits").waitFor();
    await logIn(page, "dave2");
  });

  it("keeps a direct conversation apart: clicking a user writes to them, and they see it as theirs", async () => {
    server = await startWebServer({ web: { port: 0, host: "127.0.0.1" } });
    const alice = await open();
    const bob = await open({ query: "?who=1" });
    await logIn(bob, "bob");
    await logIn(alice, "alice");
    const carol = await TcpClient.login(server.port, "carol");
    await alice.getByRole("button", { name: "Write to bob" }).click();
    await alice.getByRole("heading", { name: "bob (direct)" }).waitFor();
    await say(alice, "just between us");
    // bob sees an unread direct conversation with alice, and opens it.
    await bob.getByRole("button", { name: /alice \(direct\)/ }).getByText("1").waitFor();
    await bob.getByRole("button", { name: /alice \(direct\)/ }).click();
    expect(await logLines(bob)).toEqual(["alice: just between us"]);
    carol.send("DM alice from the terminal");
    await alice.getByRole("button", { name: /carol \(direct\)/ }).waitFor();
    expect(await logLines(alice)).toEqual(["alice: just between us"]);
    await say(bob, "got it");
    await alice.locator("#log li", { hasText: "got it" }).waitFor();
    carol.send("PING");
    expect(await carol.readLine()).toBe("PONG"); // no DM of theirs reached carol
  });

  it("shows markup in a message as the characters it is", async () => {
    server = await startWebServer();
    const alice = await open();
    await logIn(alice, "alice");
    const mallory = await TcpClient.login(server.port, "mallory");
    mallory.send("MSG <img src=x onerror=alert(1)><script>alert(2)</script>");
    await alice.locator("#log li", { hasText: "onerror" }).waitFor();
    expect(await logLines(alice)).toEqual(["mallory: <img src=x onerror=alert(1)><script>alert(2)</script>"]);
    expect(await alice.locator("#log img, #log script").count()).toBe(0);
    // No dialog opened (checked after each test), and the page's policy forbids inline script anyway.
  });

  it("keeps the list of who is online right: logins (asked for again now and then) and departures", async () => {
    server = await startWebServer();
    const alice = await open({ query: "?who=1" });
    await logIn(alice, "alice");
    const users = (): Promise<string[]> => alice.$$eval("#users li", (items) => items.map((item) => item.textContent ?? ""));
    expect(await users()).toEqual(["alice (you) guest"]);
    const eve = await TcpClient.login(server.port, "eve");
    await alice.getByRole("button", { name: "Write to eve" }).waitFor();
    expect(await users()).toEqual(["alice (you) guest", "eve guest"]);
    eve.send("QUIT");
    await alice.getByRole("button", { name: "Write to eve" }).waitFor({ state: "detached" });
    expect(await users()).toEqual(["alice (you) guest"]);
    expect(await logLines(alice)).toEqual(["eve left"]);
  });

  it("renames with /nick: says so, shows another's rename, and logs back in under the new name after a restart", async () => {
    server = await startWebServer();
    const { port, webPort } = server;
    const alice = await open();
    await logIn(alice, "alice");
    const bob = await TcpClient.login(server.port, "bob");
    await say(alice, "/nick bob");
    await alice.getByText("That name is taken: someone online has it. Try another.").waitFor();
    await say(alice, "/nick alicia");
    await alice.getByText("Connected as alicia", { exact: true }).waitFor();
    expect(await bob.readLine()).toBe("INFO alice is now alicia");
    bob.send("NICK robert");
    expect(await bob.readLine()).toBe("OK");
    await alice.getByRole("button", { name: "Write to robert" }).waitFor();
    expect(await logLines(alice)).toEqual(["That name is taken: someone online has it. Try another.", "You are now alicia.", "bob is now robert"]);
    await server.app.stop({ graceMs: 100 });
    server = await startWebServer({ port, web: { port: webPort, host: "127.0.0.1" } });
    await alice.getByText("Reconnected as alicia; what was said meanwhile was missed.").waitFor({ timeout: 8000 });
  });

  it("reconnects by itself after the server restarts, logs back in, and says that what was said meanwhile was missed", async () => {
    server = await startWebServer();
    const { port, webPort } = server;
    const alice = await open();
    await logIn(alice, "alice");
    await server.app.stop({ graceMs: 100 });
    await alice.getByText(/^The server is restarting\. Reconnecting in \d+ s…$/).waitFor();
    server = await startWebServer({ port, web: { port: webPort, host: "127.0.0.1" } });
    // Tried again every 4 s at most.
    await alice.getByText("Connected as alice", { exact: true }).waitFor({ timeout: 8000 });
    expect(await logLines(alice)).toEqual(["Reconnected as alice; what was said meanwhile was missed."]);
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("WHO");
    expect(await bob.readLines(3)).toEqual(["USER alice", "USER bob", "END WHO"]);
  });

  it("stops waiting for a restarting server after a while (two minutes; ?restart=1 here), and says so", async () => {
    server = await startWebServer();
    const alice = await open({ query: "?restart=1" });
    await logIn(alice, "alice");
    await server.app.stop({ graceMs: 100 });
    await alice.locator("#login-error").getByText("The server did not come back within 1 s.").waitFor();
    expect(await alice.locator("#name").inputValue()).toBe("alice");
    expect(await alice.locator("#status").textContent()).toBe("The server did not come back within 1 s.");
  });

  it("ends the session, and does not reconnect, when the server closes it for idleness", async () => {
    // Long enough for the login, typed after the page connected, to come first on a busy machine: its status is seen before the timeout.
    server = await startWebServer({ idleTimeoutMs: 2000 });
    const alice = await open();
    await logIn(alice, "alice");
    await alice.locator("#login-error").getByText("Disconnected after too long without activity.").waitFor();
    expect(await alice.locator("#status").textContent()).toBe("Disconnected after too long without activity.");
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("WHO");
    expect(await bob.readLines(2)).toEqual(["USER bob", "END WHO"]);
  });

  it("says a message to everyone that starts with # to everyone, and shows one as it was said", async () => {
    server = await startWebServer({ plugins: WITH_ROOMS });
    const alice = await open();
    await logIn(alice, "alice");
    const bob = await TcpClient.login(server.port, "bob");
    await say(alice, "#1 priority is coffee");
    expect(await bob.readLine()).toBe("MSG alice \\#1 priority is coffee");
    bob.send("MSG \\\\#2 is tea");
    await alice.locator("#log li", { hasText: "is tea" }).waitFor();
    expect(await logLines(alice)).toEqual(["alice: #1 priority is coffee", "bob: \\#2 is tea"]);
    await alice.locator("#log li.mine.sent").waitFor();
  });

  it("shows a refused direct message and a refused room message as not sent", async () => {
    server = await startWebServer({ maxLineBytes: 100, plugins: WITH_ROOMS });
    const alice = await open();
    await logIn(alice, "alice");
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("DM alice call me");
    await alice.getByRole("button", { name: /^bob \(direct\)/ }).click();
    bob.send("QUIT");
    await alice.locator("#log li", { hasText: "bob left" }).waitFor();
    await say(alice, "are you still there?");
    await alice.locator("#log li.failed").waitFor();
    expect(await logLines(alice)).toEqual(["bob: call me", "bob left", "alice: are you still there? [Not sent. bob is not online.]"]);

    await alice.fill("#join-name", "#dev");
    await alice.press("#join-name", "Enter");
    await alice.getByRole("button", { name: "Leave room" }).waitFor();
    const carol = await TcpClient.login(server.port, "carol");
    carol.send("JOIN #dev");
    await alice.locator("#log li", { hasText: "carol joined" }).waitFor();
    const long = "a long line ".repeat(10);
    await say(alice, long);
    await say(alice, "short");
    expect(await carol.readLines(2)).toEqual(["OK", "MSG alice #dev short"]);
    await alice.locator("#log li.mine.sent").waitFor();
    expect(await logLines(alice)).toEqual([
      "carol joined",
      `alice: ${long.trim()} [Not sent. That line is too long for the server.]`,
      "alice: short",
    ]);
  });

  it("keeps its session across a reload: the same name, what was said meanwhile shown once, and nobody saw it leave", async () => {
    server = await startWebServer({ rateLimitPerSecond: 0, plugins: [...WITH_ROOMS, { name: "resume" }] });
    const page = await open();
    await logIn(page, "alice");
    await server.logger.waitFor("resumable");
    await page.fill("#join-name", "#dev");
    await page.press("#join-name", "Enter");
    await page.getByRole("button", { name: "Leave room" }).waitFor();
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("JOIN #dev");
    expect(await bob.readLine()).toBe("OK");
    bob.send("MSG before");
    await page.getByRole("button", { name: /^Everyone/ }).click();
    await page.locator("#log li", { hasText: "before" }).waitFor();

    // The next page's script waits until bob has spoken: what he says falls between the two pages.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/app.js", async (route) => {
      await released;
      await route.continue();
    });
    const reloaded = page.reload();
    await server.logger.waitFor("connection dropped, resumable");
    for (let i = 1; i <= 3; i++) bob.send(`MSG while ${i}`);
    bob.send("MSG #dev in the room");
    bob.send("DM alice psst");
    bob.send("PING");
    expect(await bob.readLine()).toBe("PONG");
    release();
    await reloaded;

    await page.getByText("Connected as alice").waitFor();
    await page.locator("#log li", { hasText: "while 3" }).waitFor();
    expect(await logLines(page)).toEqual(["bob: while 1", "bob: while 2", "bob: while 3"]);
    await page.getByRole("button", { name: /^#dev/ }).click();
    expect(await logLines(page)).toEqual(["bob: in the room"]);
    await page.getByRole("button", { name: /^bob \(direct\)/ }).click();
    expect(await logLines(page)).toEqual(["bob: psst"]);
    await page.getByRole("button", { name: /^#dev/ }).click();
    await say(page, "back in the room");
    expect(await bob.readLine()).toBe("MSG alice #dev back in the room");
    // Nothing before: no departure of alice's, and the page knows who is online again.
    bob.send("WHO");
    expect(await bob.readLines(3)).toEqual(["USER alice", "USER bob", "END WHO"]);
    await page.getByRole("button", { name: "Write to bob" }).waitFor();
  });

  it("does not let a duplicated tab take the session: the copy logs in afresh, and both go on", async () => {
    server = await startWebServer();
    const first = await open();
    await logIn(first, "alice");
    await server.logger.waitFor("resumable");
    // Reloaded once: a session was handed from page to page in this tab.
    await first.reload();
    await first.getByText("Connected as alice").waitFor();
    const copy = await duplicateTab(first);
    pages.push(copy);
    await copy.locator("#login").waitFor();
    await logIn(copy, "alice2");
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("MSG hello both");
    for (const page of [first, copy]) await page.locator("#log li", { hasText: "hello both" }).waitFor();
    bob.send("WHO");
    expect(await bob.readLines(4)).toEqual(["USER alice", "USER alice2", "USER bob", "END WHO"]);
    await first.getByText("Connected as alice").waitFor();
  });

  it("back from the back-forward cache, takes up the session the tab's later page had: nothing missed, nobody saw it leave", async () => {
    server = await startWebServer({ rateLimitPerSecond: 0 });
    const page = await open();
    await logIn(page, "alice");
    await server.logger.waitFor("resumable");
    await page.evaluate(() => addEventListener("pageshow", (event) => ((window as Window & { restored?: boolean }).restored = event.persisted)));
    const bob = await TcpClient.login(server.port, "bob");
    // The address typed again: a second page in the tab, which takes the session (and uses its token up).
    await page.goto(`${page.url()}?again`);
    await server.logger.waitFor("resumed");
    bob.send("MSG to the second page");
    await page.locator("#log li", { hasText: "to the second page" }).waitFor();

    await page.goBack({ waitUntil: "commit" });
    await server.logger.waitFor("resumed", 2);
    expect(await page.evaluate(() => (window as Window & { restored?: boolean }).restored)).toBe(true);
    bob.send("MSG after going back");
    await page.locator("#log li", { hasText: "after going back" }).waitFor();
    expect(await logLines(page)).toEqual(["bob: after going back"]);
    bob.send("WHO");
    expect(await bob.readLines(3)).toEqual(["USER alice", "USER bob", "END WHO"]);
    await page.getByText("Connected as alice", { exact: true }).waitFor();
    // Nothing left for a duplicated tab to take.
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it("stops for good when the user leaves while it is reconnecting", async () => {
    const { page, proxy } = await resumableBehindProxy();
    proxy.dropAll();
    await page.getByText(/^Disconnected\. Reconnecting in \d+ s…$/).waitFor();
    await page.getByRole("button", { name: "Leave", exact: true }).click();
    await page.locator("#status").getByText("You left the chat.").waitFor();
    await page.locator("#login").waitFor();
  });

  it("resumes its session by itself when the connection drops: nothing missed, and nobody saw it leave", async () => {
    const { page, proxy } = await resumableBehindProxy({ rateLimitPerSecond: 0 });
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("MSG before");
    await page.locator("#log li", { hasText: "before" }).waitFor();

    proxy.dropAll();
    await server.logger.waitFor("connection dropped, resumable");
    for (let i = 1; i <= 5; i++) bob.send(`MSG while ${i}`);
    bob.send("DM alice psst");
    await server.logger.waitFor("resumed");
    bob.send("MSG after");
    await page.locator("#log li", { hasText: "after" }).waitFor();
    expect(await logLines(page)).toEqual(["bob: before", ...[1, 2, 3, 4, 5].map((i) => `bob: while ${i}`), "bob: after"]);
    await page.getByRole("button", { name: /^bob \(direct\)/ }).click();
    expect(await logLines(page)).toEqual(["bob: psst"]);
    bob.send("WHO");
    expect(await bob.readLines(3)).toEqual(["USER alice", "USER bob", "END WHO"]);
    await say(page, "still here");
    expect(await bob.readLine()).toBe("DM alice still here");
  });

  it("has rooms when the rooms plugin is loaded", async () => {
    server = await startWebServer({ plugins: WITH_ROOMS });
    const alice = await open();
    await logIn(alice, "alice");
    await alice.getByRole("heading", { name: "Rooms" }).waitFor();
    await alice.fill("#join-name", "#dev");
    await alice.press("#join-name", "Enter");
    await alice.getByRole("heading", { name: "#dev" }).waitFor();
    // In once the server said OK (the JOIN may wait for flood control: WHO and ROOMS cost 10 lines each).
    await alice.getByRole("button", { name: "Leave room" }).waitFor();
    const carol = await TcpClient.login(server.port, "carol");
    carol.send("JOIN #dev");
    expect(await carol.readLine()).toBe("OK");
    await alice.locator("#log li", { hasText: "carol joined" }).waitFor();
    carol.send("MSG #dev in the room");
    await alice.locator("#log li", { hasText: "in the room" }).waitFor();
    await say(alice, "hello room");
    expect(await carol.readLine()).toBe("MSG alice #dev hello room");
    await alice.getByRole("button", { name: "Everyone" }).click();
    expect(await logLines(alice)).toEqual([]);
  });

  it("works at a phone's width and with the keyboard alone", async () => {
    server = await startWebServer();
    const page = await open({ width: 375, query: "?who=1" });
    await page.keyboard.type("alice");
    await page.keyboard.press("Enter");
    await page.getByText("Connected as alice").waitFor();
    const bob = await TcpClient.login(server.port, "bob");
    // The menu opens the list of people; Tab reaches bob, Enter writes to him.
    await page.getByRole("button", { name: "Conversations and people" }).click();
    await page.getByRole("button", { name: "Write to bob" }).waitFor();
    await page.getByRole("button", { name: "Write to bob" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.type("typed without a mouse");
    await page.keyboard.press("Enter");
    expect(await bob.readLine()).toBe("DM alice typed without a mouse");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
  });
});

(redisServerInstalled || process.env.CI === "true" ? describeBrowser : describe.skip)("the web client on a cluster", () => {
  it("lets a WebSocket user on one node and a TCP user on another talk", async () => {
    const redis = await RedisServer.start();
    const browser = await launchBrowser();
    const nodes = ["a", "b"].map((id) =>
      CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", "--web-port", "0", "--redis", redis.url, "--redis-lease", "1", "--node-id", id, "--database", "none"]),
    );
    try {
      const page = await openChat(browser, await nodes[0]!.port("web"));
      await logIn(page, "alice");
      const bob = await TcpClient.login(await nodes[1]!.port("tcp"), "bob");
      bob.send("MSG from node b");
      await page.locator("#log li", { hasText: "from node b" }).waitFor();
      await say(page, "from node a, in a browser");
      expect(await bob.readLine()).toBe("MSG alice from node a, in a browser");
      expect(pageErrors(page)).toEqual([]);
    } finally {
      nodes.forEach((node) => node.kill("SIGKILL"));
      await browser.close();
      await redis.stop();
    }
  });
});

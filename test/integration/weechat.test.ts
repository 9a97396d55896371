import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Accounts } from "../../src/core/accounts";
import { TcpClient } from "../support/tcp-client";
import { startIrcServer, type RunningServer } from "../support/tcp-server";

/*
 * A real terminal IRC client, WeeChat (headless), driven through its FIFO
 * and read through its logs. CI installs it (.ci/run); elsewhere this test
 * is skipped, with a warning, when it is missing.
 */
const installed = ((): boolean => {
  try {
    execFileSync("weechat-headless", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (!installed && process.env.CI !== "true") console.warn("weechat-headless is not installed: the WeeChat test is skipped (apt-get install weechat-headless)");
const describeWeechat = installed || process.env.CI === "true" ? describe : describe.skip;

/** Waits until `check` says yes, looking every 100 ms, for at most 10 s (WeeChat is another process: no event to wait on). */
async function eventually(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A line that crossed the relay, and who sent it. */
interface Relayed {
  readonly from: "client" | "server";
  readonly line: string;
}

/** A TCP relay between a client and the server's IRC port that keeps every line either side sent, in the order it crossed. */
async function recordingRelay(target: number): Promise<{ port: number; lines: Relayed[]; close(): Promise<void> }> {
  const lines: Relayed[] = [];
  const sockets = new Set<net.Socket>();
  const record = (from: Relayed["from"]): ((text: string) => void) => {
    let buffer = "";
    return (text) => {
      const parts = (buffer + text).split("\r\n");
      buffer = parts.pop()!;
      lines.push(...parts.map((line) => ({ from, line })));
    };
  };
  const relay = net.createServer((client) => {
    const upstream = net.connect(target, "127.0.0.1");
    for (const [socket, from] of [[client, "client"], [upstream, "server"]] as const) {
      sockets.add(socket);
      socket.setEncoding("utf8");
      socket.on("data", record(from));
      socket.on("error", () => undefined);
      socket.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (text: string) => upstream.write(text));
    upstream.on("data", (text: string) => client.write(text));
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    lines,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

/**
 * The line that ends the server's answer to a query a client sends on
 * joining (`MODE #dev`: its 324), for `nick`; null for a line that asks
 * nothing (registration, PING and PONG ...).
 */
function endOfAnswer(query: string, nick: string): RegExp | null {
  const [verb, target, more] = query.split(" ");
  const escaped = (target ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  switch (verb) {
    case "CAP":
    case "NICK":
    case "USER":
    case "PING":
    case "PONG":
    case "QUIT":
      return null;
    case "JOIN":
    case "NAMES":
      return new RegExp(` 366 ${nick} ${escaped} `);
    case "WHO":
      return new RegExp(` 315 ${nick} ${escaped} `);
    case "MODE":
      if (!target!.startsWith("#")) return new RegExp(`^:${nick} MODE ${nick} | 221 ${nick} `);
      return new RegExp(` ${more === "b" ? "368" : "324"} ${nick} ${escaped} `);
    default:
      throw new Error(`WeeChat sent ${query}: say here what ends its answer`);
  }
}

describeWeechat("WeeChat, a terminal IRC client", () => {
  let server: RunningServer;
  let weechat: ChildProcess | undefined;
  afterEach(async () => {
    weechat?.kill("SIGKILL");
    await server.app.stop({ graceMs: 100 });
  });

  it("registers, is in the lobby, receives and sends, and leaves", async () => {
    server = await startIrcServer();
    const home = mkdtempSync(join(tmpdir(), "chat-weechat-"));
    const setup = [
      "/set logger.file.flush_delay 0",
      "/set irc.server_default.nicks wee",
      "/set irc.server_default.username wee",
      `/server add chat 127.0.0.1/${server.ircPort} -notls`,
      "/connect chat",
    ].join(";");
    weechat = spawn("weechat-headless", ["-d", home, "-r", setup], { stdio: "ignore" });
    const bob = await TcpClient.login(server.port, "bob");
    await eventually("WeeChat logged in", async () => {
      bob.send("WHO");
      const users: string[] = [];
      for (let line = await bob.readLine(); line !== "END WHO"; line = await bob.readLine()) users.push(line);
      return users.includes("USER wee");
    });

    const log = join(home, "logs", "irc.chat.#lobby.weechatlog");
    bob.send("MSG hello WeeChat");
    await eventually("the message in WeeChat's log of #lobby", () => existsSync(log) && readFileSync(log, "utf8").includes("bob\thello WeeChat"));
    expect(readFileSync(log, "utf8")).toContain("wee (wee@chat.test) has joined #lobby");

    const fifo = readdirSync(home).find((name) => name.startsWith("weechat_fifo_"))!;
    writeFileSync(join(home, fifo), "irc.server.chat */msg #lobby hello from a terminal\n");
    expect(await bob.readLine()).toBe("MSG wee hello from a terminal");
    writeFileSync(join(home, fifo), "irc.server.chat */quit bye\n");
    expect(await bob.readLine()).toBe("INFO wee disconnected");
  }, 30_000);

  it("signs in to its nick's account with the server password (PASS)", async () => {
    server = await startIrcServer();
    await server.app.container.resolve(Accounts).create("wee", "wee-secret", "user");
    const home = mkdtempSync(join(tmpdir(), "chat-weechat-"));
    const setup = [
      "/set irc.server_default.nicks wee",
      "/set irc.server_default.username wee",
      `/server add chat 127.0.0.1/${server.ircPort} -notls -password=wee-secret`,
      "/connect chat",
    ].join(";");
    weechat = spawn("weechat-headless", ["-d", home, "-r", setup], { stdio: "ignore" });
    const bob = await TcpClient.login(server.port, "bob");
    await eventually("WeeChat signed in", async () => {
      bob.send("WHO profiles");
      const users: string[] = [];
      for (let line = await bob.readLine(); line !== "END WHO"; line = await bob.readLine()) users.push(line);
      return users.includes("USER wee wee");
    });
  }, 30_000);

  it("has each query it sends on joining answered in full (MODE, WHO in WHOX's form), the lobby's and a room's", async () => {
    // No flood control on either side: WeeChat's queries go at once, and are answered at once.
    server = await startIrcServer({ plugins: ["login", "msg", "who", "dm", "ping", "quit", "rooms"].map((name) => ({ name })), rateLimitPerSecond: 0 });
    const relay = await recordingRelay(server.ircPort);
    const home = mkdtempSync(join(tmpdir(), "chat-weechat-"));
    const setup = [
      "/set irc.server_default.nicks wee",
      "/set irc.server_default.username wee",
      // WeeChat asks WHO of its channels only when it checks who is away.
      "/set irc.server_default.away_check 1",
      "/set irc.server_default.anti_flood_prio_high 0",
      "/set irc.server_default.anti_flood_prio_low 0",
      "/set irc.server_default.autojoin #dev",
      `/server add chat 127.0.0.1/${relay.port} -notls`,
      "/connect chat",
    ].join(";");
    weechat = spawn("weechat-headless", ["-d", home, "-r", setup], { stdio: "ignore" });
    try {
      /** Each query WeeChat sent, with whether the server's answer to it has ended since. */
      const queries = (): { query: string; answered: boolean }[] =>
        relay.lines.flatMap(({ from, line }, at) => {
          const end = from === "client" ? endOfAnswer(line, "wee") : null;
          if (end === null) return [];
          return [{ query: line, answered: relay.lines.slice(at + 1).some((later) => later.from === "server" && end.test(later.line)) }];
        });
      const asked = (query: string): boolean => queries().some((one) => one.query === query);
      await eventually("WeeChat's queries of #lobby and #dev answered", () =>
        ["MODE #lobby", "MODE #dev"].every(asked) && queries().some(({ query }) => query.startsWith("WHO #dev")) && queries().every(({ answered }) => answered),
      );
      expect(queries()).toEqual(expect.arrayContaining(["JOIN #dev", "MODE #lobby", "WHO #lobby %cuhsnfdar", "MODE #dev", "WHO #dev %cuhsnfdar"].map((query) => ({ query, answered: true }))));
      const said = relay.lines.filter(({ from }) => from === "server").map(({ line }) => line);
      expect(said).toEqual(expect.arrayContaining([":chat.test 324 wee #dev +nt", ":chat.test 354 wee #dev wee chat.test chat.test wee H@ 0 0 :wee", ":chat.test 315 wee #dev :End of /WHO list"]));
    } finally {
      await relay.close();
    }
  }, 30_000);
});

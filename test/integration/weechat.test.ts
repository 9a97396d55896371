import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
});

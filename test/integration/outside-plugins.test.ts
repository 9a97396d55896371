import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CliProcess } from "../support/cli-process";
import { TcpClient } from "../support/tcp-client";

const EXAMPLE = join(__dirname, "..", "..", "examples", "dice.mjs");

describe("plugins from outside the server's source, in the real server", () => {
  const running: CliProcess[] = [];
  afterEach(() => running.splice(0).forEach((cli) => cli.kill("SIGKILL")));
  const start = (args: string[], cwd?: string): CliProcess => {
    const cli = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", ...args], {}, cwd);
    running.push(cli);
    return cli;
  };

  it("loads the example (an ES module) by path from --plugins, with its commands and its hook", async () => {
    // As the guide shows it: a path from the working directory.
    const cli = start(["--plugins", "login,msg,./examples/dice.mjs"]);
    const port = await cli.port();
    const alice = await TcpClient.login(port, "alice");
    const bob = await TcpClient.login(port, "bob");
    alice.send("ROLL 20");
    expect(await alice.readLine()).toMatch(/^ROLLED alice ([1-9]|1\d|20) d20$/);
    expect(await bob.readLine()).toMatch(/^ROLLED alice ([1-9]|1\d|20) d20$/);
    alice.send("ROLL 101");
    expect(await alice.readLine()).toBe("ERR invalid-sides 2-100");
    alice.send("MSG oh well /shrug");
    expect(await bob.readLine()).toBe("MSG alice oh well ¯\\_(ツ)_/¯");
  });

  it("finds a path in plugins.config.json from the file's directory, with the options it gives", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-outside-"));
    mkdirSync(join(dir, "plugins"));
    writeFileSync(
      join(dir, "plugins", "echo.js"),
      `module.exports = { name: "echo", register({ commands, options }) {
         commands.add({ verb: "ECHO", requiresLogin: false, handle: ({ session, args }) => session.reply(options.prefix + args) });
       }, options: { prefix: { type: "string", default: "" } } };`,
    );
    writeFileSync(
      join(dir, "chat.json"),
      JSON.stringify({ plugins: ["ping", "./plugins/echo.js"], options: { echo: { prefix: "you said: " } } }),
    );
    const cli = start(["--config", join(dir, "chat.json")]);
    const port = await cli.port();
    const client = await TcpClient.connect(port);
    client.send("ECHO hi there");
    expect(await client.readLine()).toBe("you said: hi there");
  });

  it("loads an npm package by name, installed beside the config file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-package-"));
    const pkg = join(dir, "node_modules", "chat-plugin-time");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ name: "chat-plugin-time", main: "index.js" }));
    writeFileSync(
      join(pkg, "index.js"),
      `exports.plugin = { name: "time", register({ commands }) {
         commands.add({ verb: "EPOCH", requiresLogin: false, handle: ({ session }) => session.reply("EPOCH 0") });
       } };`,
    );
    writeFileSync(join(dir, "plugins.config.json"), JSON.stringify({ plugins: ["ping", "chat-plugin-time"] }));
    const cli = start([], dir);
    const port = await cli.port();
    const client = await TcpClient.connect(port);
    client.send("EPOCH");
    expect(await client.readLine()).toBe("EPOCH 0");
  });

  it("survives a plugin's timer that throws, and runs the plugin's onClose on SIGTERM before exiting 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-lifecycle-"));
    const closedFile = join(dir, "closed.txt");
    writeFileSync(
      join(dir, "fragile.mjs"),
      `import { writeFile } from "node:fs/promises";
       export default { name: "fragile", register({ timers, onClose, logger }) {
         timers.after(10, () => { throw new Error("boom in a timer"); });
         onClose(async () => {
           await writeFile(${JSON.stringify(closedFile)}, "closed\\n");
           logger.info({}, "released its file");
         });
       } };`,
    );
    const cli = start(["--plugins", `ping,${join(dir, "fragile.mjs")}`]);
    const port = await cli.port();
    const failure = await cli.waitForLog("timer failed", { plugin: "fragile" });
    expect((failure.err as { message: string }).message).toBe("boom in a timer");
    const client = await TcpClient.connect(port);
    client.send("PING");
    expect(await client.readLine()).toBe("PONG");
    expect(existsSync(closedFile)).toBe(false);

    cli.kill("SIGTERM");
    expect((await cli.exited).code).toBe(0);
    expect(readFileSync(closedFile, "utf8")).toBe("closed\n");
    expect(cli.logs().find((entry) => entry.msg === "released its file")?.plugin).toBe("fragile");
  });

  it.each<[string, (dir: string) => string[], string]>([
    ["a missing file", (dir) => ["--plugins", `ping,${join(dir, "nope.js")}`], "no such file: DIR/nope.js"],
    [
      "a module that throws while loading",
      (dir) => {
        writeFileSync(join(dir, "broken.js"), "throw new Error('missing dependency left-pad');");
        return ["--plugins", `ping,${join(dir, "broken.js")}`];
      },
      "failed to load: missing dependency left-pad",
    ],
    [
      "a module without a plugin",
      (dir) => {
        writeFileSync(join(dir, "empty.mjs"), "export const answer = 42;");
        return ["--plugins", `ping,${join(dir, "empty.mjs")}`];
      },
      "has no name",
    ],
    [
      "a bad option",
      (dir) => {
        writeFileSync(join(dir, "cfg.json"), JSON.stringify({ plugins: ["login", EXAMPLE], options: { dice: { maxSides: 1 } } }));
        return ["--config", join(dir, "cfg.json")];
      },
      'option "maxSides" must be a whole number from 2 to 1000000, got 1',
    ],
  ])("refuses %s, naming the plugin", async (_case, args, problem) => {
    const dir = mkdtempSync(join(tmpdir(), "chat-bad-"));
    const exit = await CliProcess.run(args(dir));
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^chat-server: plugin "[^"]+": /);
    expect(exit.stderr).toContain(problem.replace("DIR", dir));
  });
});

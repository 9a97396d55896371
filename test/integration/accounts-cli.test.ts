import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accountsCommand } from "../support/accounts-command";
import { CliProcess } from "../support/cli-process";
import { IrcClient } from "../support/irc-client";
import { TcpClient } from "../support/tcp-client";

describe("chat-server accounts", () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), "chat-accounts-"));
  });
  afterEach(() => {
    TcpClient.closeAll();
    IrcClient.closeAll();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("adds, lists, sets passwords and roles, and deletes, in ./data; errors name the problem", () => {
    expect(accountsCommand(cwd, ["add", "Boss", "--role", "operator", "--password-stdin"], "s3cret pass\nignored\n")).toEqual({ code: 0, stdout: "added Boss (operator)\n", stderr: "" });
    expect(accountsCommand(cwd, ["add", "bob", "--password-stdin"], "bob pw")).toEqual({ code: 0, stdout: "added bob (user)\n", stderr: "" });
    expect(accountsCommand(cwd, ["add", "BOB", "--password-stdin"], "x\n")).toEqual({ code: 1, stdout: "", stderr: "chat-server: cannot add BOB: that name is registered already\n" });
    expect(accountsCommand(cwd, ["add", "no good", "--password-stdin"], "x\n")).toEqual({
      code: 1,
      stdout: "",
      stderr: "chat-server: cannot add no good: a name is 1 to 32 ASCII letters, digits, _ or -\n",
    });
    expect(accountsCommand(cwd, ["add", "carol", "--password-stdin"], "\n")).toEqual({ code: 1, stdout: "", stderr: "chat-server: cannot add carol: a password is 1 to 256 bytes\n" });
    const listed = accountsCommand(cwd, ["list"]);
    expect(listed.stdout).toMatch(/^bob user \d{4}-\d\d-\d\dT[\d:.]+Z\nBoss operator \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
    expect(accountsCommand(cwd, ["passwd", "bob", "--password-stdin"], "new pw\n")).toEqual({ code: 0, stdout: "password of bob set\n", stderr: "" });
    expect(accountsCommand(cwd, ["passwd", "nobody", "--password-stdin"], "new pw\n")).toEqual({ code: 1, stdout: "", stderr: "chat-server: no account nobody\n" });
    expect(accountsCommand(cwd, ["role", "bob", "operator"])).toEqual({ code: 0, stdout: "bob is operator\n", stderr: "" });
    expect(accountsCommand(cwd, ["delete", "bob"])).toEqual({ code: 0, stdout: "deleted bob\n", stderr: "" });
    expect(accountsCommand(cwd, ["delete", "bob"])).toEqual({ code: 1, stdout: "", stderr: "chat-server: no account bob\n" });
    expect(accountsCommand(cwd, ["add", "dave"])).toMatchObject({
      code: 2,
      stderr: "chat-server: standard input is no terminal to type a password at: give --password-stdin and the password on standard input\n",
    });
    expect(accountsCommand(cwd, ["frobnicate"]).code).toBe(2);
  });

  it("the server started on the same data folder signs in with what the CLI made, and OPER works with an operator's account", async () => {
    expect(accountsCommand(cwd, ["add", "operuser", "--role", "operator", "--password-stdin"], "operpassword\n").code).toBe(0);
    expect(accountsCommand(cwd, ["add", "alice", "--password-stdin"], "alice pw\n").code).toBe(0);
    const server = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", "--irc-port", "0", "--rate-limit", "0"], {}, cwd);
    try {
      const [port, ircPort] = await Promise.all([server.port("tcp"), server.port("irc")]);
      const alice = await TcpClient.connect(port);
      alice.send("LOGIN alice alice pw");
      expect(await alice.readLine()).toBe("OK");
      const ivy = await IrcClient.register(ircPort, "ivy");
      ivy.client.raw("OPER operuser operpassword");
      expect(await ivy.waitFor(/ 381 /)).toMatch(/ 381 ivy :You are now an IRC operator$/);
    } finally {
      server.kill("SIGKILL");
      await server.exited;
    }
  });
});

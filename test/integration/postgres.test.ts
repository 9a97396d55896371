import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/testing/redis-server";
import { accountsCommand } from "../support/accounts-command";
import { CliProcess } from "../support/cli-process";
import { clusterPerTest, describeCluster } from "../support/cluster-fixture";
import { describePostgres, postgresPerFile } from "../support/postgres-fixture";
import { TcpClient } from "../support/tcp-client";

/* The server and `chat-server accounts` on a PostgreSQL database of the test's own: alone, and as what two cluster nodes share. */
/** For tests that start server processes: room for a loaded machine. */
const SLOW_TEST_MS = 15_000;

describePostgres("accounts in PostgreSQL", () => {
  const postgres = postgresPerFile();

  describe("chat-server accounts --database postgres://...", () => {
    let cwd: string;
    beforeEach(() => {
      cwd = mkdtempSync(join(tmpdir(), "chat-accounts-"));
    });
    afterEach(() => rmSync(cwd, { recursive: true, force: true }));

    it("adds and lists accounts there, and a server on the same database signs in with them", async () => {
      const database = ["--database", postgres.database()];
      expect(accountsCommand(cwd, ["add", "alice", "--password-stdin", ...database], "alice pw\n")).toEqual({ code: 0, stdout: "added alice (user)\n", stderr: "" });
      expect(accountsCommand(cwd, ["list", ...database]).stdout).toMatch(/^alice user \d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
      const server = CliProcess.spawn(["--port", "0", "--host", "127.0.0.1", ...database], {}, cwd);
      try {
        const alice = await TcpClient.connect(await server.port("tcp"));
        alice.send("LOGIN alice alice pw");
        expect(await alice.readLine()).toBe("OK");
      } finally {
        server.kill("SIGKILL");
        await server.exited;
      }
    }, SLOW_TEST_MS);
  });

  describeCluster("two nodes sharing one Redis and one PostgreSQL", () => {
    const cluster = clusterPerTest("1");

    it("a name registered on one node is refused to guests on the other while its owner is online and after she left; her password signs her in there", async () => {
      const database = ["--database", postgres.database()];
      // Started at once on a new database: both migrate it, one after the other.
      const [a, b] = await Promise.all([cluster.start("a", ...database), cluster.start("b", ...database)]);
      const alice = await TcpClient.connect(a.port);
      alice.send("REGISTER alice pw");
      expect(await alice.readLine()).toBe("OK");
      const bob = await TcpClient.login(b.port, "bob");
      const guest = await TcpClient.connect(b.port);
      guest.send("LOGIN alice");
      expect(await guest.readLine()).toBe("ERR username-registered");
      alice.send("QUIT");
      expect(await alice.readLine()).toBe("INFO bye");
      expect(await bob.readLine()).toBe("INFO alice disconnected");
      guest.send("LOGIN alice");
      expect(await guest.readLine()).toBe("ERR username-registered");
      guest.send("LOGIN alice pw");
      expect(await guest.readLine()).toBe("OK");
      bob.send("WHO");
      expect((await bob.readLines(3)).sort()).toEqual(["END WHO", "USER alice", "USER bob"]);
    }, SLOW_TEST_MS);

    it("signing out everywhere from a browser on one node ends the account's session on the other", async () => {
      const database = ["--database", postgres.database()];
      const [a, b] = await Promise.all([cluster.start("a", ...database), cluster.start("b", ...database, "--web-port", "0", "--web-host", "127.0.0.1")]);
      const alice = await TcpClient.connect(a.port);
      alice.send("REGISTER alice pw");
      expect(await alice.readLine()).toBe("OK");
      const bob = await TcpClient.login(b.port, "bob");
      const web = `http://127.0.0.1:${await b.node.port("web")}`;
      const post = (path: string, body: unknown, cookie?: string): Promise<Response> =>
        fetch(`${web}${path}`, { method: "POST", headers: { "content-type": "application/json", ...(cookie !== undefined && { cookie }) }, body: JSON.stringify(body) });
      const signedIn = await post("/auth/signin", { name: "alice", password: "pw" });
      expect(signedIn.status).toBe(200);
      const cookie = signedIn.headers.get("set-cookie")!.split(";")[0]!;
      expect((await post("/auth/signout-everywhere", {}, cookie)).status).toBe(200);
      expect(await alice.readUntilClosed()).toEqual(["ERR signed-out"]);
      expect(await bob.readLine()).toBe("INFO alice disconnected");
    }, SLOW_TEST_MS);
  });
});

/* Needs no PostgreSQL: the flag's checks, and a database nothing listens at. */
describe("the --database flag", () => {
  it("takes sqlite, none or a postgres:// URL, and shows a bad value without its password", async () => {
    const exit = await CliProcess.run(["--port", "0", "--database", "mysql://chat:hunter2@127.0.0.1/chat"]);
    expect(exit).toMatchObject({
      code: 2,
      stderr: 'chat-server: --database must be sqlite, none or a URL postgres://[user:password@]host[:port]/database, got "mysql://chat:***@127.0.0.1/chat"\n',
    });
  });

  it("stops the server, and chat-server accounts, with a sentence when the database cannot be reached, its password hidden", async () => {
    const port = await freePort();
    const url = `postgres://chat:hunter2@127.0.0.1:${port}/chat`;
    const sentence = `chat-server: cannot open the database postgres://chat:***@127.0.0.1:${port}/chat: connect ECONNREFUSED 127.0.0.1:${port}\n`;
    const server = await CliProcess.run(["--port", "0", "--database", url, "--log-level", "debug"]);
    expect(server).toMatchObject({ code: 1, stderr: sentence });
    expect(server.stdout).not.toContain("hunter2");
    expect(await CliProcess.run(["accounts", "list", "--database", url])).toMatchObject({ code: 1, stdout: "", stderr: sentence });
  }, SLOW_TEST_MS);

  it("refuses SQLite to a node of a cluster, and none to chat-server accounts", async () => {
    const node = await CliProcess.run(["--port", "0", "--redis", "redis://127.0.0.1:1", "--database", "sqlite"]);
    expect(node).toMatchObject({
      code: 1,
      stderr:
        "chat-server: the nodes of a cluster (--redis) must share their accounts, and SQLite is one server's file: give --database postgres://... (a database server they share) or --database none (no accounts)\n",
    });
    expect(await CliProcess.run(["accounts", "list", "--database", "none"])).toMatchObject({
      code: 2,
      stdout: "",
      stderr: "chat-server: --database none keeps no accounts: name the server's database (sqlite, or its postgres:// URL)\n",
    });
  }, SLOW_TEST_MS);
});

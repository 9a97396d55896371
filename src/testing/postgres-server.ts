import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { freePort } from "./redis-server";

/** Where Debian's postgresql package puts each major version's programs. */
const VERSIONS_FOLDER = "/usr/lib/postgresql";

/** The programs of the newest PostgreSQL installed (Debian's layout), or null when there is none. */
const binaries: string | null = (() => {
  try {
    const newest = readdirSync(VERSIONS_FOLDER)
      .filter((version) => existsSync(join(VERSIONS_FOLDER, version, "bin", "postgres")))
      .sort((a, b) => Number(b) - Number(a))[0];
    return newest === undefined ? null : join(VERSIONS_FOLDER, newest, "bin");
  } catch {
    return null;
  }
})();

/** Whether a PostgreSQL server can be run here (CI installs it; see .ci/run). */
export const postgresInstalled: boolean = binaries !== null;

/** The superuser's name and password in every server started here. */
const USER = "postgres";
const PASSWORD = "test secret";

/**
 * initdb and postgres refuse to run as root: as root, they run as the
 * postgres user (which Debian's package makes), on a folder it owns.
 * Through spawn's uid and gid rather than runuser, so that the process
 * started is postgres itself, which a signal then reaches.
 */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string): number => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/**
 * A PostgreSQL server of the test's own: a cluster made with initdb in a
 * temporary folder, listening on a free port of 127.0.0.1, with password
 * authentication, and fsync off (what a test writes need not survive the
 * machine's crash, only the clients'). Stopping it deletes everything.
 */
export class PostgresServer {
  private databases = 0;
  private log = "";

  private constructor(
    readonly port: number,
    private readonly folder: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<PostgresServer> {
    if (binaries === null) throw new Error(`PostgreSQL is not installed (no ${VERSIONS_FOLDER}/<version>/bin/postgres): apt-get install postgresql`);
    const folder = mkdtempSync(join(tmpdir(), "chat-postgres-"));
    const data = join(folder, "data");
    const owner = runAs();
    writeFileSync(join(folder, "password"), PASSWORD);
    if (owner !== null) for (const path of [folder, join(folder, "password")]) chownSync(path, owner.uid, owner.gid);
    const as = { ...owner, env: { ...process.env, LC_ALL: "C" } };
    const initdb = ["-D", data, "-U", USER, `--pwfile=${join(folder, "password")}`, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"];
    try {
      execFileSync(join(binaries, "initdb"), initdb, { ...as, stdio: "pipe" });
    } catch (error) {
      rmSync(folder, { recursive: true, force: true });
      throw error;
    }
    const port = await freePort();
    const settings = { listen_addresses: "127.0.0.1", unix_socket_directories: folder, fsync: "off" };
    const args = ["-D", data, "-p", String(port), ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`])];
    const server = new PostgresServer(port, folder, spawn(join(binaries, "postgres"), args, { ...as, stdio: ["ignore", "ignore", "pipe"] }));
    server.child.stderr!.setEncoding("utf8").on("data", (text: string) => (server.log = (server.log + text).slice(-4000)));
    await server.waitUntilReady();
    return server;
  }

  /** The URL of one of its databases, as the superuser, the password included. */
  url(database = "postgres"): string {
    return `postgres://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${this.port}/${database}`;
  }

  /** Makes a new, empty database (with CREATE DATABASE's `options`, if any): its URL. Cheaper than a server of its own, for each test. */
  async createDatabase(options = ""): Promise<string> {
    const name = `test_${++this.databases}`;
    await this.query(`CREATE DATABASE ${name} ${options}`);
    return this.url(name);
  }

  /** Runs one statement in the `postgres` database, on a connection of its own. */
  async query(sql: string): Promise<void> {
    const client = new Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** Stops it at once (SIGQUIT: the immediate shutdown) and deletes its folder. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once("exit", resolve));
      this.child.kill("SIGQUIT");
      await exited;
    }
    rmSync(this.folder, { recursive: true, force: true });
  }

  private async waitUntilReady(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    for (let attempt = 0; attempt < 200; attempt++) {
      if (this.child.exitCode !== null) break;
      try {
        await this.query("SELECT 1");
        return;
      } catch {
        await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited]);
      }
    }
    const log = this.log;
    await this.stop();
    throw new Error(`postgres did not start on port ${this.port}: ${log.trim() || "it said nothing"}`);
  }
}

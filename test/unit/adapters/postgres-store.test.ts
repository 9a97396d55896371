import { Client } from "pg";
import { PostgresStore } from "../../../src/adapters/postgres/postgres-store";
import type { StoredAccount } from "../../../src/core/ports/store.port";
import { freePort } from "../../../src/testing/redis-server";
import { RecordingLogger } from "../../../src/testing/recording-logger";
import { describePostgres, postgresPerFile } from "../../support/postgres-fixture";
import { storeContract } from "../../support/store-contract";

/** What the URL of a test's database is shown as: its password hidden. */
function shown(url: string): string {
  return url.replace(/:[^:@/]+@/, ":***@");
}

/** Runs statements in the database at `url`, on a connection of their own; the rows of the last. */
async function sql(url: string, ...statements: string[]): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    let rows: unknown[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** Waits until a statement of the database at `url` waits for a lock. */
async function waitForLockWait(url: string): Promise<void> {
  const query = "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()";
  while (((await sql(url, query)) as { waiting: number }[])[0]!.waiting === 0) await new Promise((resolve) => setImmediate(resolve));
}

describePostgres("the PostgreSQL store", () => {
  const postgres = postgresPerFile();
  const connect = (url = postgres.database()): Promise<PostgresStore> => PostgresStore.connect(url, new RecordingLogger());

  describe("in a database of each test's own", () =>
    storeContract(connect, async (store) => {
      await store.close();
      return connect();
    }));

  it("is shown without its password, and records each migration's version once, however many nodes connect at once", async () => {
    const url = postgres.database();
    const stores = await Promise.all(Array.from({ length: 5 }, () => connect(url)));
    try {
      expect(stores.map(({ description }) => description)).toEqual(Array(5).fill(shown(url)));
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
    await (await connect(url)).close();
    expect(await sql(url, "SELECT version FROM schema_version ORDER BY version")).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it("lists accounts in the order of their keys' bytes, as SQLite does, whatever the database's collation", async () => {
    // ICU's root collation puts "_" before "-": a list sorted by it would differ.
    const url = await postgres.server().createDatabase("TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C'");
    const store = await connect(url);
    try {
      for (const name of ["zed", "ab", "a_b", "a-c", "10"]) {
        await store.accounts!.create({ name, passwordHash: "h", role: "user", createdAt: 0, generation: 0 });
      }
      expect((await store.accounts!.list()).map(({ name }) => name)).toEqual(["10", "a-c", "a_b", "ab", "zed"]);
    } finally {
      await store.close();
    }
  });

  it("refuses a role the schema does not know", async () => {
    const store = await connect();
    try {
      const account = { name: "alice", passwordHash: "h", role: "admin", createdAt: 0, generation: 0 } as unknown as StoredAccount;
      await expect(store.accounts!.create(account)).rejects.toThrow(
        'new row for relation "accounts" violates check constraint "accounts_role_check"',
      );
    } finally {
      await store.close();
    }
  });

  it("does not record a browser's sign-in for an account deleted while the statement ran", async () => {
    const url = postgres.database();
    const store = await connect(url);
    const deleting = new Client({ connectionString: url });
    await deleting.connect();
    try {
      await store.accounts!.create({ name: "alice", passwordHash: "h", role: "user", createdAt: 0, generation: 0 });
      await deleting.query("BEGIN");
      await deleting.query("DELETE FROM accounts WHERE name_key = 'alice'");
      // The insert still sees alice (the delete is not committed), and waits on her row's lock to check its foreign key.
      const added = store.browserSignIns!.add({ tokenHash: "t", account: "alice", generation: 0, issuedAt: 1 });
      await waitForLockWait(url);
      await deleting.query("COMMIT");
      expect(await added).toBe(false);
      expect(await store.browserSignIns!.find("t")).toBeNull();
    } finally {
      await deleting.end();
      await store.close();
    }
  });

  it("replaces a connection the server ended while it was idle, with a warning that names the database without its password", async () => {
    const url = postgres.database();
    const logger = new RecordingLogger();
    const store = await PostgresStore.connect(url, logger);
    try {
      await store.accounts!.create({ name: "alice", passwordHash: "h", role: "user", createdAt: 0, generation: 0 });
      await sql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
      expect(await logger.waitFor("database connection lost")).toEqual([
        {
          level: "warn",
          message: "database connection lost",
          context: { database: shown(url), err: { message: "terminating connection due to administrator command", code: "57P01" } },
        },
      ]);
      expect(await store.accounts!.find("alice")).toMatchObject({ name: "alice" });
    } finally {
      await store.close();
    }
  });

  it("refuses a database from a newer server, saying so", async () => {
    const url = postgres.database();
    await sql(url, "CREATE TABLE schema_version (version INTEGER NOT NULL)", "INSERT INTO schema_version VALUES (99)");
    await expect(connect(url)).rejects.toThrow(
      `cannot open the database ${shown(url)}: the database is at schema version 99, newer than this server knows (2): run a newer server`,
    );
  });

  it("refuses a wrong password, saying so without the password", async () => {
    const url = postgres.database().replace(/:[^:@/]+@/, ":not-the-password@");
    const refused = connect(url);
    await expect(refused).rejects.toThrow(`cannot open the database ${shown(url)}: password authentication failed for user "postgres"`);
    await expect(refused).rejects.not.toThrow("not-the-password");
  });
});

describe("the PostgreSQL store, with no server to reach", () => {
  it("fails with a message naming the database, without its password", async () => {
    const port = await freePort();
    await expect(PostgresStore.connect(`postgres://chat:hunter2@127.0.0.1:${port}/chat`, new RecordingLogger())).rejects.toThrow(
      `cannot open the database postgres://chat:***@127.0.0.1:${port}/chat: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});

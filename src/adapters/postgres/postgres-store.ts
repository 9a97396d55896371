import { Pool, type PoolClient } from "pg";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { Account, AccountsStore, BrowserSignIn, BrowserSignInsStore, Role, StoredAccount, StorePort } from "../../core/ports/store.port";
import { nameKey } from "../../core/text";
import { loggableError, redactUrl, secretScrubber } from "../redis/redis-url";
import { migrationsAfter } from "../database/schema-version";

/**
 * The schema, one migration a version, as SQLite's (src/adapters/sqlite):
 * the database holds the version it is at (table `schema_version`), and
 * connecting applies the ones after, each in a transaction with the
 * version's change. Never edit one that shipped: add the next. The key's
 * collation is "C", so that accounts are listed in the order of their
 * keys' bytes, as SQLite lists them, whatever the database's locale.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     name_key TEXT COLLATE "C" PRIMARY KEY,
     name TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('user', 'operator')),
     created_at BIGINT NOT NULL,
     generation INTEGER NOT NULL
   )`,
  // Browsers' sign-ins: a token's hash, the account it signs in to (gone with it), the generation it was issued under.
  `CREATE TABLE browser_sign_ins (
     token_hash TEXT PRIMARY KEY,
     account_key TEXT COLLATE "C" NOT NULL REFERENCES accounts (name_key) ON DELETE CASCADE,
     account TEXT NOT NULL,
     generation INTEGER NOT NULL,
     issued_at BIGINT NOT NULL
   );
   CREATE INDEX browser_sign_ins_by_account ON browser_sign_ins (account_key);
   CREATE INDEX browser_sign_ins_by_issue ON browser_sign_ins (issued_at)`,
];

/**
 * The advisory lock held by a migration's transaction: the nodes of a
 * cluster start together, and two migrating at once would both apply the
 * same change. Any number that no other program on the database takes
 * will do: "chat" in ASCII.
 */
const MIGRATION_LOCK = 0x63686174;

/** How long to wait for a connection before saying the database is unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

/** Whether this is a URL of a PostgreSQL server: postgres:// or postgresql://, as libpq takes them. */
export function isPostgresUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === "postgres:" || protocol === "postgresql:";
  } catch {
    return false;
  }
}

/** A store that cannot be opened (unreachable, refusing us, newer than this server): the message says which, without the password. */
export class StoreOpenError extends Error {}

interface AccountRow {
  readonly name: string;
  readonly password_hash: string;
  readonly role: Role;
  /** pg gives a BIGINT as a string, since it may exceed what a number holds exactly; epoch milliseconds do not. */
  readonly created_at: string;
  readonly generation: number;
}

interface BrowserSignInRow {
  readonly token_hash: string;
  readonly account: string;
  readonly generation: number;
  /** A BIGINT, as created_at. */
  readonly issued_at: string;
}

/** The error code of a foreign key's violation (SQLSTATE). */
const FOREIGN_KEY_VIOLATION = "23503";

/**
 * The store that the nodes of a cluster share: a PostgreSQL database,
 * through a pool of connections (pg's default, at most 10 at once). Each
 * write is one statement, which PostgreSQL runs as a transaction of its
 * own: a node killed mid-write leaves the account as it was or as it
 * became, never in between.
 */
export class PostgresStore implements StorePort {
  readonly accounts: AccountsStore;
  readonly browserSignIns: BrowserSignInsStore;

  private constructor(
    private readonly pool: Pool,
    readonly description: string,
  ) {
    this.accounts = new PostgresAccounts(pool);
    this.browserSignIns = new PostgresBrowserSignIns(pool);
  }

  /**
   * Connects to the database at `url` and migrates it to the latest schema;
   * rejects with a StoreOpenError when it cannot (the server unreachable,
   * the password wrong, the schema newer than this server knows).
   */
  static async connect(url: string, logger: LoggerPort): Promise<PostgresStore> {
    const description = redactUrl(url);
    const scrub = secretScrubber(url);
    const pool = new Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // A connection that breaks while idle leaves the pool, which opens
    // another when one is needed: worth a warning, not the end of the
    // process (which is what an error event without a listener is).
    pool.on("error", (error) => logger.warn({ database: description, err: loggableError(error, scrub) }, "database connection lost"));
    try {
      await migrate(pool);
    } catch (error) {
      await pool.end();
      const { message, code } = loggableError(error, scrub);
      // A connection refused on each of a name's addresses (localhost's ::1 and 127.0.0.1) is an AggregateError with an empty message, but a code (brianc/node-postgres#3312).
      throw new StoreOpenError(`cannot open the database ${description}: ${message || code}`);
    }
    return new PostgresStore(pool, description);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** Applies the migrations the database has not had, each with its version in one transaction, under MIGRATION_LOCK. */
async function migrate(pool: Pool): Promise<void> {
  let applied = true;
  while (applied) applied = await inTransaction(pool, applyNext);
}

/** Applies the first migration the database has not had: false when it had them all. */
async function applyNext(client: PoolClient): Promise<boolean> {
  await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
  await client.query("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const { rows } = await client.query<{ version: number | null }>("SELECT max(version) AS version FROM schema_version");
  const at = rows[0]!.version ?? 0;
  const [next] = migrationsAfter(at, MIGRATIONS);
  if (next === undefined) return false;
  await client.query(next);
  await client.query("INSERT INTO schema_version (version) VALUES ($1)", [at + 1]);
  return true;
}

/** Runs `work` in a transaction on a connection of the pool. */
async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    client.release();
    return result;
  } catch (error) {
    // The connection is closed rather than given back: that rolls the transaction back, whatever state it was left in.
    client.release(true);
    throw error;
  }
}

function account(row: AccountRow): StoredAccount {
  return { name: row.name, passwordHash: row.password_hash, role: row.role, createdAt: Number(row.created_at), generation: row.generation };
}

class PostgresAccounts implements AccountsStore {
  constructor(private readonly pool: Pool) {}

  async find(name: string): Promise<StoredAccount | null> {
    const { rows } = await this.pool.query<AccountRow>(
      "SELECT name, password_hash, role, created_at, generation FROM accounts WHERE name_key = $1",
      [nameKey(name)],
    );
    return rows.length === 0 ? null : account(rows[0]!);
  }

  async create({ name, passwordHash, role, createdAt, generation }: StoredAccount): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      "INSERT INTO accounts (name_key, name, password_hash, role, created_at, generation) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name_key) DO NOTHING",
      [nameKey(name), name, passwordHash, role, createdAt, generation],
    );
    return rowCount === 1;
  }

  async setPassword(name: string, passwordHash: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ generation: number }>(
      "UPDATE accounts SET password_hash = $1, generation = generation + 1 WHERE name_key = $2 RETURNING generation",
      [passwordHash, nameKey(name)],
    );
    return rows[0]?.generation ?? null;
  }

  async setRole(name: string, role: Role): Promise<boolean> {
    const { rowCount } = await this.pool.query("UPDATE accounts SET role = $1 WHERE name_key = $2", [role, nameKey(name)]);
    return rowCount === 1;
  }

  async delete(name: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM accounts WHERE name_key = $1", [nameKey(name)]);
    return rowCount === 1;
  }

  async list(): Promise<readonly Account[]> {
    const { rows } = await this.pool.query<Pick<AccountRow, "name" | "role" | "created_at">>("SELECT name, role, created_at FROM accounts ORDER BY name_key");
    return rows.map(({ name, role, created_at }) => ({ name, role, createdAt: Number(created_at) }));
  }
}

class PostgresBrowserSignIns implements BrowserSignInsStore {
  constructor(private readonly pool: Pool) {}

  async add({ tokenHash, account, generation, issuedAt }: BrowserSignIn): Promise<boolean> {
    try {
      // Of an account that exists, or nothing.
      const { rowCount } = await this.pool.query(
        "INSERT INTO browser_sign_ins (token_hash, account_key, account, generation, issued_at) SELECT $1, name_key, $2, $3, $4 FROM accounts WHERE name_key = $5",
        [tokenHash, account, generation, issuedAt, nameKey(account)],
      );
      return rowCount === 1;
    } catch (error) {
      // The account was there when the statement began, and deleted before it ended: no such account either.
      if ((error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return false;
      throw error;
    }
  }

  async find(tokenHash: string): Promise<BrowserSignIn | null> {
    const { rows } = await this.pool.query<BrowserSignInRow>(
      "SELECT token_hash, account, generation, issued_at FROM browser_sign_ins WHERE token_hash = $1",
      [tokenHash],
    );
    const row = rows[0];
    return row === undefined ? null : { tokenHash: row.token_hash, account: row.account, generation: row.generation, issuedAt: Number(row.issued_at) };
  }

  async delete(tokenHash: string): Promise<boolean> {
    const { rowCount } = await this.pool.query("DELETE FROM browser_sign_ins WHERE token_hash = $1", [tokenHash]);
    return rowCount === 1;
  }

  async deleteAll(account: string): Promise<number> {
    const { rowCount } = await this.pool.query("DELETE FROM browser_sign_ins WHERE account_key = $1", [nameKey(account)]);
    return rowCount ?? 0;
  }

  async deleteIssuedBefore(issuedBefore: number): Promise<number> {
    const { rowCount } = await this.pool.query("DELETE FROM browser_sign_ins WHERE issued_at < $1", [issuedBefore]);
    return rowCount ?? 0;
  }
}

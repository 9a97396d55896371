import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Account, AccountsStore, BrowserSignIn, BrowserSignInsStore, Role, StoredAccount, StorePort } from "../../core/ports/store.port";
import { nameKey } from "../../core/text";
import { migrationsAfter } from "../database/schema-version";

/** The database's file in the data folder. */
export const DATABASE_FILE = "chat.db";

/**
 * The schema, one migration a version: the database holds the version it
 * is at (table `schema_version`), and opening it applies the ones after,
 * each in a transaction with the version's change. Never edit one that
 * shipped: add the next.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     name_key TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('user', 'operator')),
     created_at INTEGER NOT NULL,
     generation INTEGER NOT NULL
   ) WITHOUT ROWID`,
  // Browsers' sign-ins: a token's hash, the account it signs in to (gone with it), the generation it was issued under.
  `CREATE TABLE browser_sign_ins (
     token_hash TEXT PRIMARY KEY,
     account_key TEXT NOT NULL REFERENCES accounts (name_key) ON DELETE CASCADE,
     account TEXT NOT NULL,
     generation INTEGER NOT NULL,
     issued_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX browser_sign_ins_by_account ON browser_sign_ins (account_key);
   CREATE INDEX browser_sign_ins_by_issue ON browser_sign_ins (issued_at)`,
];

interface BrowserSignInRow {
  readonly token_hash: string;
  readonly account: string;
  readonly generation: number;
  readonly issued_at: number;
}

interface AccountRow {
  readonly name: string;
  readonly password_hash: string;
  readonly role: Role;
  readonly created_at: number;
  readonly generation: number;
}

/**
 * The embedded store: one SQLite file (better-sqlite3) in WAL mode, so
 * that readers do not wait for a writer and a crash loses at most the
 * transaction in flight. Its calls are synchronous (microseconds for a
 * lookup by key), answered as promises to fit the port.
 */
export class SqliteStore implements StorePort {
  readonly accounts: AccountsStore;
  readonly browserSignIns: BrowserSignInsStore;

  private constructor(
    private readonly db: Database.Database,
    readonly description: string,
  ) {
    this.accounts = new SqliteAccounts(db);
    this.browserSignIns = new SqliteBrowserSignIns(db);
  }

  /** Opens (making them if need be) the data folder and its database, migrated to the latest schema. */
  static open(dataDir: string): SqliteStore {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, DATABASE_FILE);
    return SqliteStore.at(new Database(file), `sqlite:${file}`);
  }

  /** A database in memory, gone when closed: for tests, and servers built without a data folder. */
  static inMemory(): SqliteStore {
    return SqliteStore.at(new Database(":memory:"), "sqlite::memory:");
  }

  private static at(db: Database.Database, description: string): SqliteStore {
    db.pragma("journal_mode = WAL");
    // FULL: a committed transaction is on disk before the call returns (WAL's default, NORMAL, may lose the last ones in a power cut).
    db.pragma("synchronous = FULL");
    db.pragma("busy_timeout = 5000");
    // Off by default in SQLite, per connection: a deleted account's sign-ins go with it (ON DELETE CASCADE).
    db.pragma("foreign_keys = ON");
    migrate(db);
    return new SqliteStore(db, description);
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/**
 * Applies the migrations the database has not had, each with its version
 * in one transaction that takes the write lock before it reads the version
 * (BEGIN IMMEDIATE): two processes opening a new database at once (a
 * server starting while `chat-server accounts` runs) apply each once.
 */
function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const version = db.prepare<[], { version: number | null }>("SELECT max(version) AS version FROM schema_version");
  const record = db.prepare("INSERT INTO schema_version (version) VALUES (?)");
  const applyNext = db.transaction((): boolean => {
    const at = version.get()!.version ?? 0;
    const [next] = migrationsAfter(at, MIGRATIONS);
    if (next === undefined) return false;
    db.exec(next);
    record.run(at + 1);
    return true;
  });
  while (applyNext.immediate()) {
    // One migration a transaction, until none is left.
  }
}

/** A synchronous call's result as a promise: what it throws (a locked file, a full disk) rejects it, as the port says. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}

function account(row: AccountRow): StoredAccount {
  return { name: row.name, passwordHash: row.password_hash, role: row.role, createdAt: row.created_at, generation: row.generation };
}

class SqliteAccounts implements AccountsStore {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      find: db.prepare<[string], AccountRow>("SELECT name, password_hash, role, created_at, generation FROM accounts WHERE name_key = ?"),
      create: db.prepare(
        "INSERT INTO accounts (name_key, name, password_hash, role, created_at, generation) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING",
      ),
      setPassword: db.prepare<[string, string], { generation: number }>(
        "UPDATE accounts SET password_hash = ?, generation = generation + 1 WHERE name_key = ? RETURNING generation",
      ),
      setRole: db.prepare("UPDATE accounts SET role = ? WHERE name_key = ?"),
      delete: db.prepare("DELETE FROM accounts WHERE name_key = ?"),
      list: db.prepare<[], AccountRow>("SELECT name, password_hash, role, created_at, generation FROM accounts ORDER BY name_key"),
    };
  }

  find(name: string): Promise<StoredAccount | null> {
    return settled(() => {
      const row = this.statements.find.get(nameKey(name));
      return row === undefined ? null : account(row);
    });
  }

  create({ name, passwordHash, role, createdAt, generation }: StoredAccount): Promise<boolean> {
    return settled(() => this.statements.create.run(nameKey(name), name, passwordHash, role, createdAt, generation).changes === 1);
  }

  setPassword(name: string, passwordHash: string): Promise<number | null> {
    return settled(() => this.statements.setPassword.get(passwordHash, nameKey(name))?.generation ?? null);
  }

  setRole(name: string, role: Role): Promise<boolean> {
    return settled(() => this.statements.setRole.run(role, nameKey(name)).changes === 1);
  }

  delete(name: string): Promise<boolean> {
    return settled(() => this.statements.delete.run(nameKey(name)).changes === 1);
  }

  list(): Promise<readonly Account[]> {
    return settled(() => this.statements.list.all().map(({ name, role, created_at }) => ({ name, role, createdAt: created_at })));
  }
}

class SqliteBrowserSignIns implements BrowserSignInsStore {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      // Of an account that exists, or nothing: the foreign key would throw instead.
      add: db.prepare(
        "INSERT INTO browser_sign_ins (token_hash, account_key, account, generation, issued_at) SELECT ?, name_key, ?, ?, ? FROM accounts WHERE name_key = ?",
      ),
      find: db.prepare<[string], BrowserSignInRow>("SELECT token_hash, account, generation, issued_at FROM browser_sign_ins WHERE token_hash = ?"),
      delete: db.prepare("DELETE FROM browser_sign_ins WHERE token_hash = ?"),
      deleteAll: db.prepare("DELETE FROM browser_sign_ins WHERE account_key = ?"),
      deleteIssuedBefore: db.prepare("DELETE FROM browser_sign_ins WHERE issued_at < ?"),
    };
  }

  add({ tokenHash, account, generation, issuedAt }: BrowserSignIn): Promise<boolean> {
    return settled(() => this.statements.add.run(tokenHash, account, generation, issuedAt, nameKey(account)).changes === 1);
  }

  find(tokenHash: string): Promise<BrowserSignIn | null> {
    return settled(() => {
      const row = this.statements.find.get(tokenHash);
      return row === undefined ? null : { tokenHash: row.token_hash, account: row.account, generation: row.generation, issuedAt: row.issued_at };
    });
  }

  delete(tokenHash: string): Promise<boolean> {
    return settled(() => this.statements.delete.run(tokenHash).changes === 1);
  }

  deleteAll(account: string): Promise<number> {
    return settled(() => this.statements.deleteAll.run(nameKey(account)).changes);
  }

  deleteIssuedBefore(issuedBefore: number): Promise<number> {
    return settled(() => this.statements.deleteIssuedBefore.run(issuedBefore).changes);
  }
}

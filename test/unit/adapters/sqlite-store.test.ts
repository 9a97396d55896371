import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DATABASE_FILE, MIGRATIONS, SqliteStore } from "../../../src/adapters/sqlite/sqlite-store";
import { CliProcess } from "../../support/cli-process";

const SQLITE_STORE = join(__dirname, "..", "..", "..", "src", "adapters", "sqlite", "sqlite-store.ts");
const REQUIRE_TS = join(__dirname, "..", "..", "support", "require-ts.js");
import { storeContract } from "../../support/store-contract";

describe("the SQLite store", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "chat-sqlite-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe("in memory", () => storeContract(() => Promise.resolve(SqliteStore.inMemory())));

  describe("in a data folder", () =>
    storeContract(
      () => Promise.resolve(SqliteStore.open(join(dir, "data"))),
      async (store) => {
        await store.close();
        return SqliteStore.open(join(dir, "data"));
      },
    ));

  it("makes the folder, is in WAL mode, and records each migration's version once", async () => {
    const store = SqliteStore.open(join(dir, "nested", "data"));
    expect(store.description).toBe(`sqlite:${join(dir, "nested", "data", DATABASE_FILE)}`);
    await store.close();
    await SqliteStore.open(join(dir, "nested", "data")).close();
    const db = new Database(join(dir, "nested", "data", DATABASE_FILE), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.prepare("SELECT version FROM schema_version ORDER BY version").all()).toEqual([{ version: 1 }, { version: 2 }]);
    db.close();
  });

  it("refuses a database from a newer server, saying so", () => {
    const file = join(dir, DATABASE_FILE);
    const db = new Database(file);
    db.exec("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1), (2), (3)");
    db.close();
    expect(() => SqliteStore.open(dir)).toThrow("the database is at schema version 3, newer than this server knows (2): run a newer server");
  });
});

describe("the SQLite store opened by two processes at once", () => {
  it("migrates once: a process that finds the database being migrated waits for it, then finds it done", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-sqlite-"));
    try {
      // Another process holds the write lock, migrating a new database by hand, while this store opens it.
      const other = new Database(join(dir, DATABASE_FILE));
      other.pragma("journal_mode = WAL");
      other.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
      other.exec("BEGIN IMMEDIATE");
      const opening = CliProcess.spawn(
        ["-e", `const { SqliteStore } = require(${JSON.stringify(SQLITE_STORE)}); process.stdout.write("opening\\n"); SqliteStore.open(${JSON.stringify(dir)}).close().then(() => process.stdout.write("opened\\n"))`],
        {},
        undefined,
        ["-r", REQUIRE_TS],
      );
      await new Promise<void>((resolve) => {
        const seen = (): void => void (opening.output.includes("opening\n") && resolve());
        opening.child.stdout!.on("data", seen);
        seen();
      });
      // Room for it to read the version (0, the migration unseen) before the other commits, as it did before the fix.
      await new Promise((resolve) => setTimeout(resolve, 300));
      MIGRATIONS.forEach((sql, index) => {
        other.exec(sql);
        other.prepare("INSERT INTO schema_version VALUES (?)").run(index + 1);
      });
      other.exec("COMMIT");
      const exit = await opening.exited;
      expect({ code: exit.code, stdout: exit.stdout, stderr: exit.stderr }).toEqual({ code: 0, stdout: "opening\nopened\n", stderr: "" });
      expect(other.prepare("SELECT version FROM schema_version ORDER BY version").all()).toEqual(MIGRATIONS.map((_, index) => ({ version: index + 1 })));
      other.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

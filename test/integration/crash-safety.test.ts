import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { PostgresStore } from "../../src/adapters/postgres/postgres-store";
import { DATABASE_FILE, SqliteStore } from "../../src/adapters/sqlite/sqlite-store";
import { RecordingLogger } from "../../src/testing/recording-logger";
import { problemsAfterStorm } from "../support/account-storm";
import { CliProcess } from "../support/cli-process";
import { describePostgres, postgresPerFile } from "../support/postgres-fixture";

/* The crash test: a process killed with SIGKILL in a storm of registrations and password changes, on each store. */

const STORM = ["-r", join(__dirname, "..", "support", "require-ts.js"), join(__dirname, "..", "support", "account-storm.ts")];
/** Operations reported before the kill: enough for it to land mid-storm, with many accounts changed many times. */
const OPERATIONS_BEFORE_KILL = 2000;
/** The storm loads the sources through swc before it starts: room for a loaded machine. */
const STORM_TEST_MS = 30_000;

/** The storm running, if any: killed after each test, so that a test that failed does not leave it running. */
let storm: CliProcess | undefined;
afterEach(() => storm?.kill("SIGKILL"));

/** Runs the storm on `target` until it has reported OPERATIONS_BEFORE_KILL operations, kills it with SIGKILL: what it reported. */
async function killMidStorm(target: string): Promise<string> {
  const running = CliProcess.spawn([target], {}, undefined, STORM);
  storm = running;
  await new Promise<void>((resolve, reject) => {
    // CliProcess's own listener, added first, has appended the chunk to the output when this one runs.
    running.child.stdout!.on("data", () => {
      if (running.output.split("\n").length > OPERATIONS_BEFORE_KILL) resolve();
    });
    void running.exited.then(({ code, stderr }) => reject(new Error(`the storm ended (${code}) before it was killed: ${stderr}`)));
  });
  running.kill("SIGKILL");
  const { signal, stdout } = await running.exited;
  expect(signal).toBe("SIGKILL");
  return stdout;
}

describe("a storm of registrations and password changes killed with SIGKILL", () => {
  it("on SQLite: the store opens without repair, passes its integrity check, and every account is wholly there or not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-storm-"));
    try {
      const output = await killMidStorm(dir);
      const store = SqliteStore.open(dir);
      try {
        expect(await problemsAfterStorm(store, output)).toEqual([]);
      } finally {
        await store.close();
      }
      const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
      expect(db.pragma("integrity_check")).toEqual([{ integrity_check: "ok" }]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, STORM_TEST_MS);

  describePostgres("on PostgreSQL", () => {
    const postgres = postgresPerFile();

    it("the store connects without repair, and every account is wholly there or not", async () => {
      const output = await killMidStorm(postgres.database());
      const store = await PostgresStore.connect(postgres.database(), new RecordingLogger());
      try {
        expect(await problemsAfterStorm(store, output)).toEqual([]);
      } finally {
        await store.close();
      }
    }, STORM_TEST_MS);
  });
});

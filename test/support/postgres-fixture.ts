import { PostgresServer, postgresInstalled } from "../../src/testing/postgres-server";

/*
 * Tests against a real PostgreSQL server. CI installs it (.ci/run);
 * elsewhere they are skipped, with a warning, when it is missing.
 */
if (!postgresInstalled && process.env.CI !== "true") {
  console.warn("PostgreSQL is not installed: the tests that need it are skipped (apt-get install postgresql)");
}
/** Whether the tests that need PostgreSQL run: where it is installed, and always in CI (where its absence fails them). */
export const postgresTestsRun = postgresInstalled || process.env.CI === "true";
export const describePostgres = postgresTestsRun ? describe : describe.skip;

/** initdb and the server's start take a second or two; more on a loaded machine. */
const START_MS = 30_000;

/**
 * One PostgreSQL server for the test file, started before its tests and
 * stopped after them, and a fresh empty database for each test:
 * `database()` is the current test's URL.
 */
export function postgresPerFile(): { server(): PostgresServer; database(): string } {
  let server: PostgresServer | undefined;
  let url: string;
  beforeAll(async () => {
    server = await PostgresServer.start();
  }, START_MS);
  afterAll(() => server?.stop());
  beforeEach(async () => {
    url = await server!.createDatabase();
  });
  return { server: () => server!, database: () => url };
}

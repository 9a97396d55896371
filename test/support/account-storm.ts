import "reflect-metadata";
import { SystemClock } from "../../src/adapters/clock/system-clock";
import { PinoLogger } from "../../src/adapters/pino/pino-logger";
import { isPostgresUrl, PostgresStore } from "../../src/adapters/postgres/postgres-store";
import { SqliteStore } from "../../src/adapters/sqlite/sqlite-store";
import { Accounts } from "../../src/core/accounts";
import type { PasswordsPort, StoredAccount, StorePort } from "../../src/core/ports/store.port";
import { DEFAULT_CORE_SETTINGS } from "../../src/core/settings";

/*
 * A storm of registrations and password changes through the Accounts
 * service, for the SIGKILL test (test/integration/crash-safety.test.ts):
 *
 *   node -r test/support/require-ts.js test/support/account-storm.ts <SQLite data folder | postgres:// URL>
 *
 * STORM_WORKERS workers run at once, each registering accounts of its own
 * and changing their passwords, one operation at a time; once an
 * operation is committed it is written to stdout as a line: `created
 * <name>` or `changed <name> <generation>` (stdout is a pipe, which Node
 * writes synchronously on Linux: a line read was committed). It runs until
 * killed, or exits 1 at the first operation that does not do what it
 * should.
 */

/** Workers at once: as many operations may be in flight, committed or not, when the process is killed. */
export const STORM_WORKERS = 4;

/** The password an account of the storm has at `generation`: what its row is checked against. */
export function stormPassword(name: string, generation: number): string {
  return `${name}#${generation}`;
}

/** Hashes that cost nothing (a password's hash is `hash:` and the password), so that the storm is dense. */
export const INSTANT_PASSWORDS: PasswordsPort = {
  hash: (password) => Promise.resolve(`hash:${password}`),
  verify: (hash, password) => Promise.resolve(hash === `hash:${password}`),
};

/** What the storm's output says was committed: each account's generation, 0 when registered. */
function committed(output: string): Map<string, number> {
  const generations = new Map<string, number>();
  for (const line of output.split("\n").filter((text) => text !== "")) {
    const [verb, name, generation] = line.split(" ");
    generations.set(name!, verb === "created" ? 0 : Number(generation));
  }
  return generations;
}

/**
 * What is wrong with the accounts in `store` after the storm that wrote
 * `output` was killed: an account reported committed must be there at that
 * generation, or at the next when a change was in flight; one not reported
 * may be there (its registration was in flight) at generation 0; each has
 * the hash of its generation's password. At most one operation per worker
 * was in flight: as many rows may be ahead of the output.
 */
export async function problemsAfterStorm(store: StorePort, output: string): Promise<string[]> {
  const reported = committed(output);
  const listed = await store.accounts!.list();
  const rows = await Promise.all(listed.map(({ name }) => store.accounts!.find(name)));
  const found = new Map(rows.filter((row): row is StoredAccount => row !== null).map((row) => [row.name, row]));
  const problems: string[] = [];
  if (found.size !== listed.length) problems.push(`list() gives ${listed.length} accounts, find() ${found.size} of them`);
  for (const name of reported.keys()) if (!found.has(name)) problems.push(`${name}: reported committed, not there`);
  let ahead = 0;
  for (const { name, generation, passwordHash, role } of found.values()) {
    const last = reported.get(name);
    if (generation !== last) ahead++;
    if (last === undefined ? generation !== 0 : generation !== last && generation !== last + 1) {
      problems.push(`${name}: generation ${generation}, reported ${last ?? "never"}`);
    }
    if (passwordHash !== `hash:${stormPassword(name, generation)}`) problems.push(`${name}: generation ${generation} with the hash ${passwordHash}`);
    if (role !== "user") problems.push(`${name}: role ${role}`);
  }
  if (ahead > STORM_WORKERS) problems.push(`${ahead} accounts ahead of what was reported, more than the ${STORM_WORKERS} operations in flight`);
  return problems;
}

/** One worker: registers w<worker>n<n>, then changes the passwords of two of its earlier accounts, and again. */
async function worker(id: number, accounts: Accounts): Promise<never> {
  const mine: { readonly name: string; generation: number }[] = [];
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  for (let n = 0; ; n++) {
    const name = `w${id}n${n}`;
    const made = await accounts.create(name, stormPassword(name, 0), "user");
    if (typeof made === "string") throw new Error(`registering ${name}: ${made}`);
    say(`created ${name}`);
    for (const account of mine.length === 0 ? [] : [0, 1].map(() => mine[Math.floor(Math.random() * mine.length)]!)) {
      const next = account.generation + 1;
      const changed = await accounts.resetPassword(account.name, stormPassword(account.name, next));
      if (changed === null || typeof changed === "string" || changed.generation !== next) {
        throw new Error(`changing ${account.name}'s password to generation ${next}: ${JSON.stringify(changed)}`);
      }
      account.generation = next;
      say(`changed ${account.name} ${next}`);
    }
    mine.push({ name, generation: 0 });
  }
}

async function main(target: string): Promise<void> {
  const logger = PinoLogger.create({ level: "silent" });
  const store = isPostgresUrl(target) ? await PostgresStore.connect(target, logger) : SqliteStore.open(target);
  const accounts = new Accounts(store, INSTANT_PASSWORDS, DEFAULT_CORE_SETTINGS, new SystemClock(), logger);
  await Promise.all(Array.from({ length: STORM_WORKERS }, (_, id) => worker(id, accounts)));
}

if (require.main === module) {
  main(process.argv[2]!).catch((error: unknown) => {
    process.stderr.write(`account storm: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  });
}

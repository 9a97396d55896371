/**
 * The migrations a database at schema version `at` has not had (a store
 * keeps its version in a table `schema_version`, one migration a version);
 * a database that a newer server migrated is refused, since this one would
 * not know what it holds.
 */
export function migrationsAfter<T>(at: number, migrations: readonly T[]): readonly T[] {
  if (at > migrations.length) throw new Error(`the database is at schema version ${at}, newer than this server knows (${migrations.length}): run a newer server`);
  return migrations.slice(at);
}

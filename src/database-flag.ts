import { isPostgresUrl } from "./adapters/postgres/postgres-store";
import { redactUrl } from "./adapters/redis/redis-url";
import { UsageError } from "./doors/flag-checks";

/** What `--database` names: SQLite in `--data-dir` (the default), no accounts at all, or a PostgreSQL server by its URL. */
export type DatabaseChoice = "sqlite" | "none" | { readonly postgres: string };

/** The flag, as the server and `chat-server accounts` take it. */
export const DATABASE_OPTION = {
  type: "string",
  default: "sqlite",
  describe:
    "where accounts are kept: sqlite (a file in --data-dir), a PostgreSQL server's URL postgres://user[:password]@host[:port]/database (what the nodes of a cluster share), or none (no accounts, everyone a guest)",
} as const;

/** The --database flag's value, checked here so that a mistake is a usage error, and shown without its password. */
export function parseDatabase(text: string): DatabaseChoice {
  if (text === "sqlite" || text === "none") return text;
  if (isPostgresUrl(text)) return { postgres: text };
  throw new UsageError(`--database must be sqlite, none or a URL postgres://[user:password@]host[:port]/database, got "${redactUrl(text)}"`);
}

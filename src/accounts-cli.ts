import yargs from "yargs";
import { Argon2Passwords } from "./adapters/argon2/argon2-passwords";
import { PinoLogger } from "./adapters/pino/pino-logger";
import { SystemClock } from "./adapters/clock/system-clock";
import { PostgresStore } from "./adapters/postgres/postgres-store";
import { SqliteStore } from "./adapters/sqlite/sqlite-store";
import { Accounts, type AccountRefusal } from "./core/accounts";
import type { LoggerPort } from "./core/ports/logger.port";
import { DATABASE_OPTION, parseDatabase, type DatabaseChoice } from "./database-flag";
import { ROLES, type Role, type StorePort } from "./core/ports/store.port";
import { DEFAULT_CORE_SETTINGS } from "./core/settings";
import { UsageError } from "./doors/flag-checks";

/** A refusal the operator reads: the same codes the doors answer, in words. */
const REFUSALS: Partial<Record<AccountRefusal, string>> = {
  "invalid-username": "a name is 1 to 32 ASCII letters, digits, _ or -",
  "invalid-password": "a password is 1 to 256 bytes",
  "username-taken": "that name is registered already",
  busy: "too many passwords being hashed; try again",
};

/** What went wrong, for the operator: one line on stderr, exit 1. */
export class AccountsCliError extends Error {}

/** Where the accounts are: the same flags the server takes. */
const STORE_OPTIONS = {
  "data-dir": { type: "string", default: "data", describe: "folder of the embedded database (SQLite)" },
  database: DATABASE_OPTION,
} as const;

/**
 * `chat-server accounts add|passwd|role|delete|list`: the operator's
 * hand on the accounts, in the store the server uses (the server may be
 * running: SQLite in WAL mode takes both). Passwords are read from a
 * prompt that does not echo, or the first line of standard input with
 * `--password-stdin`; never from the command line, where `ps` shows them.
 */
export async function accountsCommand(argv: readonly string[], io: { stdout: NodeJS.WritableStream }): Promise<void> {
  const say = (line: string): void => void io.stdout.write(`${line}\n`);
  const password = { "password-stdin": { type: "boolean", default: false, describe: "read the password from the first line of standard input" } } as const;
  const role = { role: { choices: ROLES, default: "user" as Role, describe: "what the account may do: operator for moderation (IRC's OPER)" } } as const;
  type Work = (store: StorePort, accounts: Accounts) => Promise<void>;
  let chosen: { readonly work: Work; readonly dataDir: string; readonly database: string } | null = null;
  /** A command's handler: what it does, once the store is open. */
  const does =
    <Args>(work: (args: Args) => Work) =>
    (args: Args): void => {
      const { "data-dir": dataDir, database } = args as { readonly "data-dir"?: unknown; readonly database?: unknown };
      chosen = { work: work(args), dataDir: String(dataDir ?? STORE_OPTIONS["data-dir"].default), database: String(database ?? DATABASE_OPTION.default) };
    };
  yargs([...argv])
    .scriptName("chat-server accounts")
    .usage("$0 <command>\n\nManages the accounts in the server's store.")
    .options(STORE_OPTIONS)
    .command("add <name>", "register an account", (y) => y.options({ ...password, ...role }), does((args) => async (_, accounts) => {
        const made = await accounts.create(args.name as string, await readPassword(args["password-stdin"]), args.role);
        if (typeof made === "string") throw new AccountsCliError(`cannot add ${args.name as string}: ${REFUSALS[made] ?? made}`);
        say(`added ${made.name} (${made.role})`);
      }),
    )
    .command("passwd <name>", "set an account's password (ends its sessions' resume tokens)", (y) => y.options(password), does((args) => async (_, accounts) => {
        const changed = await accounts.resetPassword(args.name as string, await readPassword(args["password-stdin"]));
        if (changed === null) throw new AccountsCliError(`no account ${args.name as string}`);
        if (typeof changed === "string") throw new AccountsCliError(`cannot set the password: ${REFUSALS[changed] ?? changed}`);
        say(`password of ${changed.name} set`);
      }),
    )
    .command("role <name> <role>", "set an account's role", (y) => y.positional("role", { choices: ROLES }), does((args) => async (store) => {
        if (!(await store.accounts!.setRole(args.name as string, args.role as Role))) throw new AccountsCliError(`no account ${args.name as string}`);
        say(`${args.name as string} is ${args.role as Role}`);
      }),
    )
    .command("delete <name>", "delete an account: its name is free", {}, does((args) => async (store) => {
        if (!(await store.accounts!.delete(args.name as string))) throw new AccountsCliError(`no account ${args.name as string}`);
        say(`deleted ${args.name as string}`);
      }),
    )
    .command("list", "list the accounts: name, role, when registered", {}, does(() => async (store) => {
        for (const { name, role, createdAt } of await store.accounts!.list()) say(`${name} ${role} ${new Date(createdAt).toISOString()}`);
      }),
    )
    .demandCommand(1, "name a command: add, passwd, role, delete or list")
    .strict()
    .help()
    .fail((message, error) => {
      throw new UsageError((message ?? error?.message ?? "invalid arguments").replace(/\s*\n\s*/g, " "));
    })
    .parseSync();
  if (chosen === null) return; // --help
  const { work, dataDir, database } = chosen as { readonly work: Work; readonly dataDir: string; readonly database: string };
  const logger = PinoLogger.create({ level: "silent" });
  const store = await openStore(parseDatabase(database), dataDir, logger);
  const passwords = new Argon2Passwords(1);
  try {
    await work(store, new Accounts(store, passwords, DEFAULT_CORE_SETTINGS, new SystemClock(), logger));
  } finally {
    await passwords.close();
    await store.close();
  }
}

/** The store `--database` names; a server without accounts has none to manage. */
async function openStore(database: DatabaseChoice, dataDir: string, logger: LoggerPort): Promise<StorePort> {
  if (database === "none") throw new UsageError("--database none keeps no accounts: name the server's database (sqlite, or its postgres:// URL)");
  return database === "sqlite" ? SqliteStore.open(dataDir) : PostgresStore.connect(database.postgres, logger);
}

/** The password: the first line of standard input, or typed at a prompt that does not echo it. */
async function readPassword(fromStdin: boolean): Promise<string> {
  const { stdin, stderr } = process;
  if (fromStdin) {
    let text = "";
    for await (const chunk of stdin) {
      text += String(chunk);
      if (text.includes("\n")) break;
    }
    return text.split(/\r?\n/)[0]!;
  }
  if (!stdin.isTTY) throw new UsageError("standard input is no terminal to type a password at: give --password-stdin and the password on standard input");
  stderr.write("Password: ");
  stdin.setRawMode(true);
  try {
    let typed = "";
    for await (const chunk of stdin) {
      for (const character of String(chunk)) {
        if (character === "\u0003") throw new AccountsCliError("cancelled");
        if (character === "\r" || character === "\n") return typed;
        typed = character === "\u007f" || character === "\b" ? typed.slice(0, -1) : typed + character;
      }
    }
    return typed;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    stderr.write("\n");
  }
}

/** What an account may do beyond chatting: `operator` is for moderation (IRC's OPER). */
export type Role = "user" | "operator";

export const ROLES: readonly Role[] = ["user", "operator"];

/** An account as others may know it: its name as registered (case kept), its role, when it was made (epoch ms). */
export interface Account {
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
}

/**
 * An account as the store keeps it: with its password's hash (never the
 * password), and its credentials' generation, which a change of password
 * moves on: what was issued to the account before (a resume token, a
 * browser's sign-in) names the generation it was issued under, and is
 * void once that is not the account's any more.
 */
export interface StoredAccount extends Account {
  readonly passwordHash: string;
  readonly generation: number;
}

/**
 * The accounts, in the server's database: names compared ignoring ASCII
 * case, as names are everywhere. Every write is one transaction: after a
 * crash an account is wholly there or not at all.
 */
export interface AccountsStore {
  /** The account of `name`, if registered. */
  find(name: string): Promise<StoredAccount | null>;
  /** Registers an account; false when the name is registered already. */
  create(account: StoredAccount): Promise<boolean>;
  /** Replaces the password's hash and moves the generation on; the new generation, or null for no such account. */
  setPassword(name: string, passwordHash: string): Promise<number | null>;
  /** Sets the role; false for no such account. */
  setRole(name: string, role: Role): Promise<boolean>;
  /** Deletes the account; false for no such account. */
  delete(name: string): Promise<boolean>;
  /** Every account, by name. */
  list(): Promise<readonly Account[]>;
}

/**
 * A browser's sign-in (docs/ACCOUNTS.md, "The JSON API and the browser"):
 * the SHA-256 of the token its cookie holds (never the token: a copy of
 * the database signs nobody in), the account, and the generation of the
 * account's credentials it was issued under.
 */
export interface BrowserSignIn {
  /** The token's SHA-256, base64url. */
  readonly tokenHash: string;
  /** The account's name, as registered. */
  readonly account: string;
  readonly generation: number;
  /** When it was issued (epoch ms). */
  readonly issuedAt: number;
}

/**
 * Browsers' sign-ins. One goes with its account: deleting the account
 * deletes them, in the same transaction, so that a name registered again
 * is never signed in to by the old account's browsers.
 */
export interface BrowserSignInsStore {
  /** Records a sign-in (of an account that exists); false for no such account. */
  add(signIn: BrowserSignIn): Promise<boolean>;
  /** The sign-in of the token that hashes to `tokenHash`, as added; null for none. */
  find(tokenHash: string): Promise<BrowserSignIn | null>;
  /** Forgets one sign-in; false for none. */
  delete(tokenHash: string): Promise<boolean>;
  /** Forgets every sign-in of the account (names compared ignoring case); how many there were. */
  deleteAll(account: string): Promise<number>;
  /** Forgets the sign-ins issued before `issuedBefore` (epoch ms): they are void by then; how many there were. */
  deleteIssuedBefore(issuedBefore: number): Promise<number>;
}

/**
 * The server's lasting data (accounts now; history and moderation to
 * come): an embedded database on one server, a database server that the
 * nodes of a cluster share.
 */
export interface StorePort {
  /** Null when the server keeps no accounts (`--database none`): everyone is a guest. */
  readonly accounts: AccountsStore | null;
  /** Browsers' sign-ins to the accounts; null with no accounts. */
  readonly browserSignIns: BrowserSignInsStore | null;
  /** What it is, for logs and errors: "sqlite:data/chat.db", "postgres://host/db" (no password). */
  readonly description: string;
  close(): Promise<void>;
}

/** Hashes passwords and checks them against their hashes, off the event loop. */
export interface PasswordsPort {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

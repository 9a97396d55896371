import { inject, injectable } from "tsyringe";
import { addressGroup } from "./connection-limits";
import { StoreUnavailableError } from "./errors";
import type { AccountRefusal, Origin } from "./ports/accounts.port";
import type { ClockPort } from "./ports/clock.port";
import type { LoggerPort } from "./ports/logger.port";
import type { Account, PasswordsPort, Role, StoredAccount, StorePort } from "./ports/store.port";
import { Backoff, RateTable } from "./rate-table";
import type { CoreSettings } from "./settings";
import { isValidUsername, nameKey } from "./text";
import { TOKENS } from "./tokens";

// Declared in the ports, where the doors find them too.
export type { AccountRefusal, Origin } from "./ports/accounts.port";

/** The longest password taken, in UTF-8 bytes: what is hashed is bounded. */
export const MAX_PASSWORD_BYTES = 256;

/** Hashes (or verifications) waiting for their turn, at most: beyond, a request is refused `busy` at once. */
const MAX_WAITING_HASHES = 1000;

/**
 * Failed sign-ins by account: 5 are free, then the account waits 1 s,
 * 2 s, 4 s ... up to a minute between attempts, from any address; its
 * failures are forgotten 15 minutes after the last. A guesser gets about
 * 60 tries an hour at one account; its owner, who knows the password,
 * waits a minute at most.
 */
const BY_ACCOUNT = { free: 5, firstMs: 1000, longestMs: 60_000, forgetMs: 15 * 60_000 } as const;
/**
 * Failed sign-ins by address (IPv6: its /64): 20 are free, then 1 s
 * doubling up to 5 minutes. Guesses spread over many accounts from one
 * address slow down as guesses at one do.
 */
const BY_ADDRESS = { free: 20, firstMs: 1000, longestMs: 5 * 60_000, forgetMs: 15 * 60_000 } as const;
/** Registrations by address: 3 at once, then one every 10 minutes. */
const REGISTRATIONS_PER_SECOND = 1 / 600;
const REGISTRATION_BURST = 3;

/**
 * Runs at most `limit` hashes at once (each takes a thread of libuv's
 * pool for tens of milliseconds); the others wait their turn, so that a
 * storm of sign-ins queues instead of taking every thread. At most
 * MAX_WAITING_HASHES wait.
 */
class HashTurns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** `work`'s result, once it had its turn; null when too many wait already. */
  async run<T>(work: () => Promise<T>): Promise<T | null> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= MAX_WAITING_HASHES) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      // The turn passes on as it is (running stays counted), or ends.
      const next = this.waiting.shift();
      if (next === undefined) this.running--;
      else next();
    }
  }
}

/**
 * Accounts: registering a name with a password, checking one, changing
 * and deleting it, under the server's rules (docs/ACCOUNTS.md): passwords
 * only over TLS or loopback unless allowed, hashed with a bound on hashes
 * at once, failures slowed by account and by address, registrations by
 * address. It knows nothing of sessions: the room signs a session in with
 * what this returns.
 */
@injectable()
export class Accounts {
  private readonly turns: HashTurns;
  private readonly failuresByAccount = new Backoff(BY_ACCOUNT);
  private readonly failuresByAddress = new Backoff(BY_ADDRESS);
  private readonly registrations = new RateTable(REGISTRATIONS_PER_SECOND, REGISTRATION_BURST);
  /** The hash an unknown account's sign-in is checked against, so that it costs what a known one's does. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    @inject(TOKENS.Store) private readonly store: StorePort,
    @inject(TOKENS.Passwords) private readonly passwords: PasswordsPort,
    @inject(TOKENS.Settings) private readonly settings: CoreSettings,
    @inject(TOKENS.Clock) private readonly clock: ClockPort,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
  ) {
    this.turns = new HashTurns(settings.hashesAtOnce);
  }

  /** Whether guests (users without an account) may log in. */
  get guestsAllowed(): boolean {
    return this.settings.guests;
  }

  /** Whether `name` is an account's, so that no guest may take it. */
  async isRegistered(name: string): Promise<boolean> {
    const { accounts } = this.store;
    return accounts !== null && (await stored(accounts.find(name))) !== null;
  }

  /** Registers `name` with `password` (a user's REGISTER: refused while registration is closed). */
  async register(name: string, password: string, origin: Origin): Promise<StoredAccount | AccountRefusal> {
    if (this.store.accounts === null) return "no-accounts";
    if (this.settings.registration === "closed") return "registration-closed";
    const refused = this.checkCredentials(name, password, origin);
    if (refused !== null) return refused;
    const group = addressGroup(origin.remoteAddress, this.settings.exemptLoopback);
    if (group !== null && !this.registrations.take(group, this.clock.now())) return "too-many-attempts";
    return this.create(name, password, "user");
  }

  /** Registers an account with its role, as the operator does (the CLI): no rules but the name's and the password's. */
  async create(name: string, password: string, role: Role): Promise<StoredAccount | AccountRefusal> {
    const { accounts } = this.store;
    if (accounts === null) return "no-accounts";
    const refused = checkName(name) ?? checkPassword(password);
    if (refused !== null) return refused;
    const passwordHash = await this.turns.run(() => this.passwords.hash(password));
    if (passwordHash === null) return "busy";
    const account: StoredAccount = { name, role, passwordHash, createdAt: this.clock.epochMs(), generation: 0 };
    if (!(await stored(accounts.create(account)))) return "username-taken";
    this.logger.info({ account: name, role }, "account registered");
    return account;
  }

  /**
   * The account `name`, if `password` is its password. An unknown name
   * costs a hash as a known one does, and is answered the same. Failures
   * are counted against the account and the address, which wait longer
   * after each (see BY_ACCOUNT, BY_ADDRESS).
   */
  async verify(name: string, password: string, origin: Origin): Promise<StoredAccount | AccountRefusal> {
    const { accounts } = this.store;
    if (accounts === null) return "no-accounts";
    const refused = this.checkCredentials(name, password, origin);
    if (refused !== null) return refused === "invalid-username" ? "bad-credentials" : refused;
    const now = this.clock.now();
    const accountKey = nameKey(name);
    const addressKey = addressGroup(origin.remoteAddress, this.settings.exemptLoopback);
    if (this.failuresByAccount.waitMs(accountKey, now) > 0) return "too-many-attempts";
    if (addressKey !== null && this.failuresByAddress.waitMs(addressKey, now) > 0) return "too-many-attempts";
    const account = await stored(accounts.find(name));
    const hash = account?.passwordHash ?? (await this.dummy());
    const matches = await this.turns.run(() => this.passwords.verify(hash, password));
    if (matches === null) return "busy";
    if (account !== null && matches) {
      this.failuresByAccount.succeeded(accountKey);
      return account;
    }
    const at = this.clock.now();
    this.failuresByAccount.failed(accountKey, at);
    if (addressKey !== null) this.failuresByAddress.failed(addressKey, at);
    this.logger.info({ account: name, address: origin.remoteAddress }, "sign-in failed");
    return "bad-credentials";
  }

  /** Changes `name`'s password, once the old one is checked as a sign-in is; the account with its new generation. */
  async changePassword(name: string, oldPassword: string, newPassword: string, origin: Origin): Promise<StoredAccount | AccountRefusal> {
    const refused = checkPassword(newPassword);
    if (refused !== null) return refused;
    const account = await this.verify(name, oldPassword, origin);
    if (typeof account === "string") return account;
    return this.setPassword(account, newPassword);
  }

  /** Sets an account's password, as the operator does (the CLI); null for no such account. */
  async resetPassword(name: string, password: string): Promise<StoredAccount | AccountRefusal | null> {
    const refused = checkPassword(password);
    if (refused !== null) return refused;
    const found = this.store.accounts?.find(name);
    const account = found === undefined ? null : await stored(found);
    return account === null ? null : this.setPassword(account, password);
  }

  private async setPassword(account: StoredAccount, password: string): Promise<StoredAccount | AccountRefusal> {
    const passwordHash = await this.turns.run(() => this.passwords.hash(password));
    if (passwordHash === null) return "busy";
    const generation = await stored(this.store.accounts!.setPassword(account.name, passwordHash));
    // Deleted meanwhile: as a wrong password would be.
    if (generation === null) return "bad-credentials";
    this.logger.info({ account: account.name }, "password changed");
    return { ...account, passwordHash, generation };
  }

  /** Deletes `name`'s account, once the password is checked as a sign-in is. */
  async remove(name: string, password: string, origin: Origin): Promise<Account | AccountRefusal> {
    const account = await this.verify(name, password, origin);
    if (typeof account === "string") return account;
    if (!(await stored(this.store.accounts!.delete(account.name)))) return "bad-credentials";
    this.logger.info({ account: account.name }, "account deleted");
    return account;
  }

  /** Why a password may not be taken from `origin` (or this name and password are no account's), or null. */
  private checkCredentials(name: string, password: string, origin: Origin): AccountRefusal | null {
    if (!this.mayTakePassword(origin)) return "password-needs-tls";
    return checkName(name) ?? checkPassword(password);
  }

  /** A password crosses only TLS or loopback, unless the operator allows plain connections (--plain-passwords). */
  private mayTakePassword({ secure, remoteAddress }: Origin): boolean {
    return secure || this.settings.plainPasswords || addressGroup(remoteAddress, true) === null;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.passwords.hash(`no account ${Math.random()}`);
    return this.dummyHash;
  }
}

/** What the store answers; its failure (the database away) as a StoreUnavailableError, which the client is told as `accounts-unavailable`. */
function stored<T>(answer: Promise<T>): Promise<T> {
  return answer.catch((error: unknown) => {
    throw new StoreUnavailableError((error as Error)?.message ?? String(error), { cause: error });
  });
}

function checkName(name: string): AccountRefusal | null {
  return isValidUsername(name) ? null : "invalid-username";
}

/** A password is 1 to MAX_PASSWORD_BYTES bytes of UTF-8 (the doors have checked it is UTF-8). */
function checkPassword(password: string): AccountRefusal | null {
  return password.length === 0 || Buffer.byteLength(password) > MAX_PASSWORD_BYTES ? "invalid-password" : null;
}

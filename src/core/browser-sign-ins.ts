import { inject, injectable } from "tsyringe";
import { Accounts } from "./accounts";
import type { BrowserRefusal, BrowserSession, BrowserSignInsPort, Origin } from "./ports/accounts.port";
import type { ClockPort } from "./ports/clock.port";
import type { LoggerPort } from "./ports/logger.port";
import type { BrowserSignIn, StoredAccount, StorePort } from "./ports/store.port";
import { Room } from "./room";
import { TOKENS } from "./tokens";

/** How long a browser stays signed in: 30 days from its sign-in (or its password change), then it signs in again. */
export const BROWSER_SIGN_IN_MS = 30 * 24 * 60 * 60_000;

/** A token as a cookie holds it: 32 random bytes, base64url. Anything else is no token, and costs no lookup. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The token's SHA-256, as the store keeps it: a copy of the database gives nobody a token. */
async function hashOf(token: string): Promise<string> {
  return Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).toString("base64url");
}

/**
 * Browsers signed in to accounts (docs/ACCOUNTS.md, "The JSON API and
 * the browser"), for a door that serves a web client: a sign-in with the
 * password (Accounts' rules: TLS or loopback, backoffs, one failure for an
 * unknown account and a wrong password) gives the browser a random token
 * for a cookie; the store keeps only its hash, with the account and the
 * generation of the account's credentials it was issued under. A token is
 * void once that generation is not the account's (a password change), or
 * after BROWSER_SIGN_IN_MS.
 */
@injectable()
export class BrowserSignIns implements BrowserSignInsPort {
  constructor(
    private readonly accounts: Accounts,
    private readonly room: Room,
    @inject(TOKENS.Store) private readonly store: StorePort,
    @inject(TOKENS.Clock) private readonly clock: ClockPort,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
  ) {}

  /** Signs the browser in to `name`'s account, if `password` is its password. */
  async signIn(name: string, password: string, origin: Origin): Promise<BrowserSession | BrowserRefusal> {
    const account = await this.accounts.verify(name, password, origin);
    return typeof account === "string" ? account : this.issue(account);
  }

  /** Registers `name` with `password` (a user's registration, under its rules) and signs the browser in to it. */
  async register(name: string, password: string, origin: Origin): Promise<BrowserSession | BrowserRefusal> {
    const made = await this.accounts.register(name, password, origin);
    return typeof made === "string" ? made : this.issue(made);
  }

  /** The account the token signs in to; null for a token that signs in to none (unknown, void, expired). */
  async accountOf(token: string): Promise<string | null> {
    return (await this.valid(token))?.account ?? null;
  }

  /** The browser of this token is signed out: the token is forgotten. */
  async signOut(token: string): Promise<void> {
    const { browserSignIns } = this.store;
    if (browserSignIns !== null && TOKEN.test(token)) await browserSignIns.delete(await hashOf(token));
  }

  /**
   * Every browser signed in to the token's account is signed out, and the
   * account's sessions end (see Room.signOut); the account, or null when
   * the token signs in to none.
   */
  async signOutEverywhere(token: string): Promise<string | null> {
    const signIn = await this.valid(token);
    if (signIn === null) return null;
    const { account } = signIn;
    await this.store.browserSignIns!.deleteAll(account);
    this.room.signOut(account);
    this.logger.info({ account }, "signed out everywhere");
    return account;
  }

  /**
   * Changes the password of the token's account, as PASSWORD does (the old
   * one checked as a sign-in is): every other browser is signed out (their
   * generation is the old one), and this one gets a new token.
   */
  async changePassword(token: string, oldPassword: string, newPassword: string, origin: Origin): Promise<BrowserSession | BrowserRefusal> {
    const signIn = await this.valid(token);
    if (signIn === null) return "not-signed-in";
    const account = await this.accounts.changePassword(signIn.account, oldPassword, newPassword, origin);
    if (typeof account === "string") return account;
    // Void already; gone now.
    await this.store.browserSignIns!.deleteAll(account.name);
    return this.issue(account);
  }

  /** The sign-in of a token, if it signs in: known, not expired, issued under the account's generation of now. */
  private async valid(token: string): Promise<BrowserSignIn | null> {
    const { accounts, browserSignIns } = this.store;
    if (accounts === null || browserSignIns === null || !TOKEN.test(token)) return null;
    const signIn = await browserSignIns.find(await hashOf(token));
    if (signIn === null || this.expired(signIn.issuedAt)) return null;
    const account = await accounts.find(signIn.account);
    return account !== null && account.generation === signIn.generation ? signIn : null;
  }

  private expired(issuedAt: number): boolean {
    return issuedAt < this.clock.epochMs() - BROWSER_SIGN_IN_MS;
  }

  /** A new token for the account, under its generation of now; the store sweeps the expired ones meanwhile. */
  private async issue(account: StoredAccount): Promise<BrowserSession | BrowserRefusal> {
    const store = this.store.browserSignIns!;
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    const issuedAt = this.clock.epochMs();
    await store.deleteIssuedBefore(issuedAt - BROWSER_SIGN_IN_MS);
    const added = await store.add({ tokenHash: await hashOf(token), account: account.name, generation: account.generation, issuedAt });
    // Deleted meanwhile: as a wrong password would be.
    return added ? { account: account.name, token } : "bad-credentials";
  }
}

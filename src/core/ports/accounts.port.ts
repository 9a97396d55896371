/*
 * The words of accounts that the doors use too: where a request comes
 * from, why an account's command was refused, and browsers' sign-ins (the
 * core's BrowserSignIns, as a door that serves a web client reaches it
 * through its ConnectionAcceptor). A leaf: it imports nothing, so that
 * the transport port can name it.
 */

/**
 * Why an account's command was refused, as the core's error codes:
 * `bad-credentials` is the one answer for an unknown account and a wrong
 * password alike.
 */
export type AccountRefusal =
  | "invalid-username"
  | "invalid-password"
  | "username-taken"
  | "registration-closed"
  | "bad-credentials"
  | "too-many-attempts"
  | "password-needs-tls"
  | "busy"
  | "no-accounts";

/** Where a request comes from: what says whether a password may cross it, and whom the limits count. */
export interface Origin {
  readonly remoteAddress: string;
  readonly secure: boolean;
}

/** Why a browser was not signed in: an account's refusal, or (for what needs a sign-in) a token that signs in to none. */
export type BrowserRefusal = AccountRefusal | "not-signed-in";

/** A browser signed in to an account, and the token its cookie is to hold (told to that browser only). */
export interface BrowserSession {
  readonly account: string;
  readonly token: string;
}

/**
 * Browsers signed in to accounts (docs/ACCOUNTS.md): a sign-in with a
 * password gives a token for the browser's cookie; the token then says
 * which account the browser is signed in to, until it is signed out, the
 * account's password changes, or it expires.
 */
export interface BrowserSignInsPort {
  /** Signs the browser in to `name`'s account, if `password` is its password. */
  signIn(name: string, password: string, origin: Origin): Promise<BrowserSession | BrowserRefusal>;
  /** Registers `name` with `password` (a user's registration, under its rules) and signs the browser in to it. */
  register(name: string, password: string, origin: Origin): Promise<BrowserSession | BrowserRefusal>;
  /** The account the token signs in to; null for a token that signs in to none (unknown, void, expired). */
  accountOf(token: string): Promise<string | null>;
  /** The browser of this token is signed out: the token is forgotten. */
  signOut(token: string): Promise<void>;
  /** Every browser signed in to the token's account is signed out, and the account's sessions end; the account, or null when the token signs in to none. */
  signOutEverywhere(token: string): Promise<string | null>;
  /** Changes the password of the token's account: every other browser is signed out, this one gets a new token. */
  changePassword(token: string, oldPassword: string, newPassword: string, origin: Origin): Promise<BrowserSession | BrowserRefusal>;
}

import { isValidUsername } from "../../core/text";

/** The longest user name (USER's first parameter) kept, as ISUPPORT's USERLEN says. */
export const USERLEN = 10;

/** Where a connection stands in IRC's registration. */
export const enum Stage {
  /** Waiting for NICK and USER (and CAP END, if CAP negotiation began). */
  Open,
  /** Logging in: the core has the nick. */
  LoggingIn,
  Registered,
}

/** What a NICK does to registration. */
export type NickOutcome = "taken" | "same" | "erroneous" | "rename";

/**
 * IRC's registration as a state machine: NICK, USER and CAP negotiation in
 * any order, then a login; a failed login opens it again (a new NICK).
 * Named transitions, so that no other code sets the stage.
 */
export class Registration {
  private current = Stage.Open;
  private nickname: string | null = null;
  private userGiven = false;
  private realnameGiven: string | undefined;
  private identGiven: string | undefined;
  private negotiatingCaps = false;
  private passwordGiven: string | undefined;

  get stage(): Stage {
    return this.current;
  }

  get registered(): boolean {
    return this.current === Stage.Registered;
  }

  get nick(): string | null {
    return this.nickname;
  }

  /**
   * NICK: before registration, a valid nick is taken ("taken"); once the
   * login has started, another valid nick is a rename, which the core makes
   * (in its turn, after the login) and `renamed` records.
   */
  nickGiven(nick: string): NickOutcome {
    if (this.current !== Stage.Open && nick === this.nickname) return "same";
    if (!isValidUsername(nick)) return "erroneous";
    if (this.current !== Stage.Open) return "rename";
    this.nickname = nick;
    return "taken";
  }

  /** The core renamed the user: the connection goes by `nick` from now on. */
  renamed(nick: string): void {
    this.nickname = nick;
  }

  /** USER, with the user name (its first parameter, cut to USERLEN) and the realname (its last) the client gave. */
  userGivenNow(ident: string, realname: string): void {
    this.userGiven = true;
    this.identGiven = ident.slice(0, USERLEN);
    this.realnameGiven = realname;
  }

  /** What the client calls its user (USER's realname), once given. */
  get realname(): string | undefined {
    return this.realnameGiven;
  }

  /** The user name the client gave (USER's first parameter), once given. */
  get ident(): string | undefined {
    return this.identGiven;
  }

  /** PASS before registration: the password of the account the nick is (docs/ACCOUNTS.md); the last one given counts. */
  passGiven(password: string): void {
    this.passwordGiven = password;
  }

  /** CAP LS or REQ before registration: it waits for CAP END. */
  capsBegin(): void {
    if (this.current !== Stage.Registered) this.negotiatingCaps = true;
  }

  capsEnd(): void {
    this.negotiatingCaps = false;
  }

  /**
   * NICK and USER given, CAP negotiation (if any) over: the login starts,
   * with the nick it is for and the PASS given, if any; null when not ready.
   */
  startLogin(): { readonly nick: string; readonly password: string | undefined } | null {
    if (this.current !== Stage.Open || this.nickname === null || !this.userGiven || this.negotiatingCaps) return null;
    this.current = Stage.LoggingIn;
    return { nick: this.nickname, password: this.passwordGiven };
  }

  /** Registered: the password is forgotten (it has done its work). */
  loggedIn(): void {
    this.current = Stage.Registered;
    this.passwordGiven = undefined;
  }

  /** The login was refused: the nick is given up, and registration is open again. */
  loginRefused(): void {
    this.current = Stage.Open;
    this.nickname = null;
  }
}

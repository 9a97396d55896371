import { injectable } from "tsyringe";
import { Accounts } from "./accounts";
import type { AccountsApi, AccountResult, SessionHandle } from "./plugin-api";
import { Room } from "./room";
import { sameName } from "./text";

/**
 * Sessions and accounts (the plugins' AccountsApi): signing a session in
 * to an account, registering its name, changing and deleting the account
 * it is signed in to, and a server operator's OPER. Accounts checks the
 * passwords; the room claims the names.
 */
@injectable()
export class SignIns implements AccountsApi {
  constructor(
    private readonly accounts: Accounts,
    private readonly room: Room,
  ) {}

  /**
   * Registers `name`: before login, the session then goes by it, signed in;
   * a guest registers the name it goes by, and is signed in from then on.
   */
  async register(session: SessionHandle, name: string, password: string): Promise<AccountResult> {
    const guest = session.username;
    const origin = this.room.originOf(session);
    if (guest === null) {
      // The name is claimed first, so that no account is made for a name a guest holds.
      return this.room.enter(session, name, name, async () => {
        const account = await this.accounts.register(name, password, origin);
        return typeof account === "string" ? account : "ok";
      });
    }
    if (this.room.accountOf(session) !== null || !sameName(guest, name)) return "already-logged-in";
    // A guest's name as it goes by it (its letter case).
    const account = await this.accounts.register(guest, password, origin);
    if (typeof account === "string") return account;
    this.room.setAccount(session, account.name);
    return "ok";
  }

  /** Signs the session in to `name`'s account, if `password` is its password: the session goes by the account's name. */
  async signIn(session: SessionHandle, name: string, password: string): Promise<AccountResult> {
    if (session.username !== null) return "already-logged-in";
    const account = await this.accounts.verify(name, password, this.room.originOf(session));
    if (typeof account === "string") return account;
    return this.room.enter(session, account.name, account.name);
  }

  /**
   * Changes the password of the account the session is signed in to. The
   * session goes on; the resume token it had is void (a thief's copy with
   * it), and so is whatever else was issued to the account before.
   */
  async changePassword(session: SessionHandle, oldPassword: string, newPassword: string): Promise<AccountResult> {
    const name = this.room.accountOf(session);
    if (name === null) return "not-signed-in";
    const account = await this.accounts.changePassword(name, oldPassword, newPassword, this.room.originOf(session));
    if (typeof account === "string") return account;
    this.room.voidResumeToken(session);
    return "ok";
  }

  /**
   * Deletes the account the session is signed in to: its name is free. Its
   * other sessions on this node end (`signed-out`), and its browsers'
   * sign-ins go with it; the session that deleted it is answered, then ends
   * too (the accounts plugin ends it).
   */
  async delete(session: SessionHandle, password: string): Promise<AccountResult> {
    const name = this.room.accountOf(session);
    if (name === null) return "not-signed-in";
    const account = await this.accounts.remove(name, password, this.room.originOf(session));
    if (typeof account === "string") return account;
    this.room.voidResumeToken(session);
    this.room.setAccount(session, null);
    this.room.signOut(account.name);
    return "ok";
  }

  /** IRC's OPER: the session's user is a server operator, if `name`'s account is an operator's and `password` its password. */
  async operate(session: SessionHandle, name: string, password: string): Promise<AccountResult> {
    const account = await this.accounts.verify(name, password, this.room.originOf(session));
    if (typeof account === "string") return account;
    if (account.role !== "operator") return "not-an-operator";
    this.room.setOperator(session, true);
    return "ok";
  }

  deoperate(session: SessionHandle): void {
    this.room.setOperator(session, false);
  }

  accountOf(session: SessionHandle): string | null {
    return this.room.accountOf(session);
  }
}

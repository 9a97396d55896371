import { SqliteStore } from "../../../src/adapters/sqlite/sqlite-store";
import { Accounts, MAX_PASSWORD_BYTES, type Origin } from "../../../src/core/accounts";
import type { PasswordsPort } from "../../../src/core/ports/store.port";
import { DEFAULT_CORE_SETTINGS, type CoreSettings } from "../../../src/core/settings";
import { FakeClock } from "../../../src/testing/fake-clock";
import { RecordingLogger } from "../../../src/testing/recording-logger";

/** Hashes that are the password, marked; each hash and check recorded, and held until released when `held`. */
class FakePasswords implements PasswordsPort {
  readonly hashed: string[] = [];
  readonly checked: string[] = [];
  held = false;
  private readonly waiting: (() => void)[] = [];

  async hash(password: string): Promise<string> {
    this.hashed.push(password);
    await this.turn();
    return `hashed:${password}`;
  }

  async verify(hash: string, password: string): Promise<boolean> {
    this.checked.push(hash);
    await this.turn();
    return hash === `hashed:${password}`;
  }

  /** Lets the oldest held hash or check finish. */
  release(): void {
    this.waiting.shift()?.();
  }

  private turn(): Promise<void> {
    return this.held ? new Promise((resolve) => this.waiting.push(resolve)) : Promise.resolve();
  }
}

const LOOPBACK: Origin = { remoteAddress: "127.0.0.1", secure: false };
const FAR: Origin = { remoteAddress: "203.0.113.9", secure: false };
const FAR_TLS: Origin = { remoteAddress: "203.0.113.9", secure: true };

describe("Accounts", () => {
  let clock: FakeClock;
  let passwords: FakePasswords;
  let store: SqliteStore;

  function accounts(settings: Partial<CoreSettings> = {}): Accounts {
    return new Accounts(store, passwords, { ...DEFAULT_CORE_SETTINGS, ...settings }, clock, new RecordingLogger());
  }

  beforeEach(() => {
    clock = new FakeClock();
    passwords = new FakePasswords();
    store = SqliteStore.inMemory();
  });
  afterEach(() => store.close());

  it("an unknown account costs a check against a dummy hash, and is answered as a wrong password is", async () => {
    const service = accounts();
    await service.create("alice", "right", "user");
    expect(await service.verify("nobody", "guess", LOOPBACK)).toBe("bad-credentials");
    expect(await service.verify("alice", "guess", LOOPBACK)).toBe("bad-credentials");
    const dummy = passwords.checked[0]!;
    expect(dummy).toMatch(/^hashed:no account /);
    expect(passwords.checked).toEqual([dummy, "hashed:right"]);
    expect(await service.verify("ALICE", "right", LOOPBACK)).toMatchObject({ name: "alice", role: "user", generation: 0 });
  });

  it("takes a password over TLS or loopback only, unless plain passwords are allowed", async () => {
    await accounts().create("alice", "right", "user");
    expect(await accounts().verify("alice", "right", FAR)).toBe("password-needs-tls");
    expect(await accounts().register("bob", "pw", FAR)).toBe("password-needs-tls");
    expect(await accounts().verify("alice", "right", FAR_TLS)).toMatchObject({ name: "alice" });
    expect(await accounts().verify("alice", "right", { remoteAddress: "::1", secure: false })).toMatchObject({ name: "alice" });
    expect(await accounts({ plainPasswords: true }).verify("alice", "right", FAR)).toMatchObject({ name: "alice" });
    expect(passwords.checked).toHaveLength(3);
  });

  it("refuses an empty or oversize password, and a name the chat does not allow, without hashing", async () => {
    const service = accounts();
    expect(await service.register("alice", "", LOOPBACK)).toBe("invalid-password");
    expect(await service.register("alice", "é".repeat(MAX_PASSWORD_BYTES / 2 + 1), LOOPBACK)).toBe("invalid-password");
    expect(await service.register("bad name", "pw", LOOPBACK)).toBe("invalid-username");
    expect(await service.verify("bad name", "pw", LOOPBACK)).toBe("bad-credentials");
    expect(await service.register("alice", "é".repeat(MAX_PASSWORD_BYTES / 2), LOOPBACK)).toMatchObject({ name: "alice" });
    expect(passwords.hashed).toEqual(["é".repeat(MAX_PASSWORD_BYTES / 2)]);
  });

  it("slows an account's guesses from any address: 5 free, then 1 s, 2 s ...; the right password after the wait works and forgets them", async () => {
    const service = accounts();
    await service.create("alice", "right", "user");
    for (let i = 0; i < 6; i++) expect(await service.verify("alice", `guess ${i}`, FAR_TLS)).toBe("bad-credentials");
    expect(await service.verify("alice", "right", FAR_TLS)).toBe("too-many-attempts");
    expect(await service.verify("alice", "right", { remoteAddress: "198.51.100.1", secure: true })).toBe("too-many-attempts");
    clock.advance(1000);
    expect(await service.verify("alice", "guess 6", FAR_TLS)).toBe("bad-credentials");
    clock.advance(1999);
    expect(await service.verify("alice", "right", FAR_TLS)).toBe("too-many-attempts");
    clock.advance(1);
    expect(await service.verify("alice", "right", FAR_TLS)).toMatchObject({ name: "alice" });
    expect(await service.verify("alice", "guess 7", FAR_TLS)).toBe("bad-credentials");
    expect(await service.verify("alice", "right", FAR_TLS)).toMatchObject({ name: "alice" });
  });

  it("slows one address's guesses spread over many accounts: 20 free, then it waits", async () => {
    const service = accounts();
    for (let i = 0; i < 21; i++) expect(await service.verify(`user${i}`, "guess", FAR_TLS)).toBe("bad-credentials");
    expect(await service.verify("someone", "guess", FAR_TLS)).toBe("too-many-attempts");
    expect(await service.verify("someone", "guess", { remoteAddress: "198.51.100.1", secure: true })).toBe("bad-credentials");
    clock.advance(1000);
    expect(await service.verify("someone", "guess", FAR_TLS)).toBe("bad-credentials");
  });

  it("lets an address register 3 accounts at once, then one every 10 minutes", async () => {
    const service = accounts();
    for (const name of ["a1", "a2", "a3"]) expect(await service.register(name, "pw", FAR_TLS)).toMatchObject({ name });
    expect(await service.register("a4", "pw", FAR_TLS)).toBe("too-many-attempts");
    clock.advance(600_000);
    expect(await service.register("a4", "pw", FAR_TLS)).toMatchObject({ name: "a4" });
    expect(await service.register("a1", "pw", LOOPBACK)).toBe("username-taken");
  });

  it("runs at most `hashesAtOnce` hashes at once; the others wait their turn, in order", async () => {
    const service = accounts({ hashesAtOnce: 2 });
    await service.create("alice", "right", "user");
    passwords.held = true;
    const results = ["a", "b", "c", "right"].map((password) => service.verify("alice", password, LOOPBACK));
    await new Promise((resolve) => setImmediate(resolve));
    expect(passwords.checked).toHaveLength(2);
    passwords.release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(passwords.checked).toHaveLength(3);
    for (let i = 0; i < 3; i++) passwords.release();
    await new Promise((resolve) => setImmediate(resolve));
    passwords.release();
    expect(await Promise.all(results)).toEqual(["bad-credentials", "bad-credentials", "bad-credentials", expect.objectContaining({ name: "alice" })]);
  });

  it("a password change checks the old one and moves the generation on; remove deletes", async () => {
    const service = accounts();
    await service.create("alice", "one", "user");
    expect(await service.changePassword("alice", "wrong", "two", LOOPBACK)).toBe("bad-credentials");
    expect(await service.changePassword("alice", "one", "", LOOPBACK)).toBe("invalid-password");
    expect(await service.changePassword("alice", "one", "two", LOOPBACK)).toMatchObject({ generation: 1 });
    expect(await service.verify("alice", "one", LOOPBACK)).toBe("bad-credentials");
    expect(await service.remove("alice", "two", LOOPBACK)).toMatchObject({ name: "alice" });
    expect(await service.isRegistered("ALICE")).toBe(false);
  });
});

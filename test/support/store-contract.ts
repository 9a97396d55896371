import type { BrowserSignIn, StorePort, StoredAccount } from "../../src/core/ports/store.port";

/** An account as a test registers it. */
function account(name: string, overrides: Partial<StoredAccount> = {}): StoredAccount {
  return { name, passwordHash: `hash of ${name}`, role: "user", createdAt: 1_700_000_000_000, generation: 0, ...overrides };
}

/**
 * What every store adapter must do (the StorePort's contract), for one
 * adapter: `open` gives a fresh, empty store; `reopen`, where the adapter
 * keeps its data, the same data through a new connection.
 */
export function storeContract(open: () => Promise<StorePort>, reopen?: (store: StorePort) => Promise<StorePort>): void {
  let store: StorePort;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(() => store.close());

  it("registers an account once, found by its name in any case, its own case kept", async () => {
    const accounts = store.accounts!;
    expect(await accounts.create(account("Alice", { role: "operator" }))).toBe(true);
    expect(await accounts.create(account("ALICE"))).toBe(false);
    expect(await accounts.find("alice")).toEqual(account("Alice", { role: "operator" }));
    expect(await accounts.find("bob")).toBeNull();
  });

  it("a new password's hash moves the generation on; role and delete change what is found; list is by name", async () => {
    const accounts = store.accounts!;
    await accounts.create(account("bob"));
    await accounts.create(account("Alice"));
    expect(await accounts.setPassword("BOB", "new hash")).toBe(1);
    expect(await accounts.setPassword("BOB", "newer hash")).toBe(2);
    expect(await accounts.find("bob")).toEqual(account("bob", { passwordHash: "newer hash", generation: 2 }));
    expect(await accounts.setPassword("carol", "x")).toBeNull();
    expect(await accounts.setRole("alice", "operator")).toBe(true);
    expect(await accounts.setRole("carol", "operator")).toBe(false);
    expect(await accounts.list()).toEqual([
      { name: "Alice", role: "operator", createdAt: 1_700_000_000_000 },
      { name: "bob", role: "user", createdAt: 1_700_000_000_000 },
    ]);
    expect(await accounts.delete("ALICE")).toBe(true);
    expect(await accounts.delete("alice")).toBe(false);
    expect(await accounts.find("alice")).toBeNull();
    expect(await accounts.create(account("alice"))).toBe(true);
  });

  it("keeps a browser's sign-in as added, of an account that exists, until deleted or its account is", async () => {
    const { accounts, browserSignIns } = store;
    await accounts!.create(account("Alice"));
    await accounts!.create(account("bob"));
    const signIn = (tokenHash: string, name: string, issuedAt = 1_700_000_000_000): BrowserSignIn => ({ tokenHash, account: name, generation: 3, issuedAt });
    expect(await browserSignIns!.add(signIn("h1", "Alice"))).toBe(true);
    expect(await browserSignIns!.add(signIn("h2", "Alice", 1_700_000_000_500))).toBe(true);
    expect(await browserSignIns!.add(signIn("h3", "bob"))).toBe(true);
    expect(await browserSignIns!.add(signIn("h4", "carol"))).toBe(false);
    expect(await browserSignIns!.find("h1")).toEqual(signIn("h1", "Alice"));
    expect(await browserSignIns!.find("h4")).toBeNull();
    expect(await browserSignIns!.delete("h1")).toBe(true);
    expect(await browserSignIns!.delete("h1")).toBe(false);
    expect(await browserSignIns!.find("h1")).toBeNull();
    expect(await browserSignIns!.deleteIssuedBefore(1_700_000_000_500)).toBe(1);
    expect(await browserSignIns!.find("h3")).toBeNull();
    expect(await browserSignIns!.find("h2")).toEqual(signIn("h2", "Alice", 1_700_000_000_500));
    await browserSignIns!.add(signIn("h5", "Alice"));
    expect(await browserSignIns!.deleteAll("ALICE")).toBe(2);
    expect(await browserSignIns!.find("h2")).toBeNull();
    await browserSignIns!.add(signIn("h6", "bob"));
    await accounts!.delete("BOB");
    // Registered again, the name is a new account: the old one's browsers are signed in to nothing.
    await accounts!.create(account("bob"));
    expect(await browserSignIns!.find("h6")).toBeNull();
  });

  if (reopen !== undefined) {
    it("keeps what was written through a new connection", async () => {
      await store.accounts!.create(account("alice"));
      await store.accounts!.setPassword("alice", "changed");
      store = await reopen(store);
      expect(await store.accounts!.find("alice")).toEqual(account("alice", { passwordHash: "changed", generation: 1 }));
    });
  }
}

import { Accounts } from "../../src/core/accounts";
import { SqliteStore } from "../../src/adapters/sqlite/sqlite-store";
import type { Role, StorePort } from "../../src/core/ports/store.port";
import { IrcClient } from "../support/irc-client";
import { rawIrc } from "../support/raw-irc";
import { TcpClient } from "../support/tcp-client";
import { startIrcServer, startTcpServer, type RunningServer } from "../support/tcp-server";

/* Accounts on the line protocol (the accounts plugin, a default one): registering, signing in, changing and deleting. */

describe("accounts on the line protocol", () => {
  let server: RunningServer;
  afterEach(() => server.app.stop({ graceMs: 100 }));

  it("REGISTER signs in; once gone, its name is refused to guests and taken by its password only", async () => {
    server = await startTcpServer({ rateLimitPerSecond: 0 });
    const alice = await TcpClient.connect(server.port);
    alice.send("REGISTER Alice open sesame");
    expect(await alice.readLine()).toBe("OK");
    alice.send("WHO");
    expect(await alice.readLines(2)).toEqual(["USER Alice", "END WHO"]);
    alice.send("QUIT");
    expect(await alice.readLine()).toBe("INFO bye");
    await alice.closed;

    const other = await TcpClient.connect(server.port);
    const answers: [string, string][] = [
      ["LOGIN alice", "ERR username-registered"],
      ["LOGIN ALICE open", "ERR bad-credentials"],
      ["LOGIN nobody open sesame", "ERR bad-credentials"],
      ["LOGIN alice open sesame", "OK"],
    ];
    for (const [line, answer] of answers) {
      other.send(line);
      expect(await other.readLine()).toBe(answer);
    }
    other.send("WHO");
    expect(await other.readLines(2)).toEqual(["USER Alice", "END WHO"]);
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("WHO profiles");
    expect(await bob.readLines(3)).toEqual(["USER Alice Alice", "USER bob *", "END WHO"]);
  });

  it("a signed-in user keeps its account's name; a guest renames onto no account's", async () => {
    server = await startTcpServer({ rateLimitPerSecond: 0 });
    const alice = await TcpClient.connect(server.port);
    alice.send("REGISTER alice pw1");
    expect(await alice.readLine()).toBe("OK");
    const bob = await TcpClient.login(server.port, "bob");
    alice.send("NICK alicia");
    expect(await alice.readLine()).toBe("ERR signed-in");
    bob.send("NICK ALICE");
    expect(await bob.readLine()).toBe("ERR username-registered");
    bob.send("NICK robert");
    expect(await bob.readLine()).toBe("OK");
  });

  it("a guest registers the name it goes by, and is signed in from then on", async () => {
    server = await startTcpServer({ rateLimitPerSecond: 0 });
    const bob = await TcpClient.login(server.port, "bob");
    bob.send("REGISTER carol pw");
    expect(await bob.readLine()).toBe("ERR already-logged-in");
    bob.send("REGISTER bob pw");
    expect(await bob.readLine()).toBe("OK");
    bob.send("NICK robert");
    expect(await bob.readLine()).toBe("ERR signed-in");
    const carol = await TcpClient.connect(server.port);
    carol.send("REGISTER bob other");
    expect(await carol.readLine()).toBe("ERR username-taken");
    // A name a guest holds is nobody's to register meanwhile: no account is made for it.
    const dave = await TcpClient.login(server.port, "dave");
    carol.send("REGISTER Dave other");
    expect(await carol.readLine()).toBe("ERR username-taken");
    dave.send("QUIT");
    await dave.closed;
    const again = await TcpClient.connect(server.port);
    again.send("LOGIN dave");
    expect(await again.readLine()).toBe("OK");
  });

  it("PASSWORD checks the old one and voids the session's resume token; UNREGISTER ends the session and frees the name", async () => {
    server = await startTcpServer({ rateLimitPerSecond: 0 });
    const alice = await TcpClient.connect(server.port);
    alice.send("REGISTER alice first");
    expect(await alice.readLine()).toBe("OK");
    alice.send("RESUMABLE");
    const token = (await alice.readLine()).replace(/^TOKEN /, "");
    alice.send("PASSWORD wrong second");
    expect(await alice.readLine()).toBe("ERR bad-credentials");
    alice.send("PASSWORD first second");
    expect(await alice.readLine()).toBe("OK");
    alice.close();
    const thief = await TcpClient.connect(server.port);
    thief.send(`RESUME ${token} 2`);
    expect(await thief.readLine()).toBe("ERR resume-refused unknown-token");

    const again = await TcpClient.connect(server.port);
    again.send("LOGIN alice first");
    expect(await again.readLine()).toBe("ERR bad-credentials");
    again.send("LOGIN alice second");
    expect(await again.readLine()).toBe("OK");
    again.send("UNREGISTER first");
    expect(await again.readLine()).toBe("ERR bad-credentials");
    again.send("UNREGISTER second");
    expect(await again.readUntilClosed()).toEqual(["OK", "INFO bye"]);
    const guest = await TcpClient.connect(server.port);
    guest.send("LOGIN alice");
    expect(await guest.readLine()).toBe("OK");
  });

  it("writes no password to the log, whatever the outcome, and logs a failed sign-in by account and address", async () => {
    server = await startTcpServer({ rateLimitPerSecond: 0 });
    const alice = await TcpClient.connect(server.port);
    for (const [line, answer] of [
      ["REGISTER alice secret-one", "OK"],
      ["PASSWORD secret-wrong secret-two", "ERR bad-credentials"],
      ["PASSWORD secret-one secret-two", "OK"],
    ]) {
      alice.send(line!);
      expect(await alice.readLine()).toBe(answer);
    }
    const other = await TcpClient.connect(server.port);
    other.send("LOGIN alice secret-three");
    expect(await other.readLine()).toBe("ERR bad-credentials");
    const logged = JSON.stringify(server.logger.entries);
    expect(logged).not.toMatch(/secret-/);
    expect(server.logger.find("sign-in failed").map(({ context }) => context)).toEqual([
      { account: "alice", address: "127.0.0.1" },
      { account: "alice", address: "127.0.0.1" },
    ]);
  });

  it("answers bad input with a clear error and nothing else: no name, no password, an oversize or non-UTF-8 one, PASSWORD and UNREGISTER of a guest", async () => {
    server = await startTcpServer({ rateLimitPerSecond: 0 });
    const client = await TcpClient.connect(server.port);
    const answers: [string | Buffer, string][] = [
      ["REGISTER", "ERR invalid-username"],
      ["REGISTER alice", "ERR invalid-password"],
      [`REGISTER alice ${"x".repeat(257)}`, "ERR invalid-password"],
      [Buffer.concat([Buffer.from("REGISTER alice "), Buffer.from([0xff, 0xfe])]), "ERR invalid-utf8"],
      ["PASSWORD a b", "ERR must-login-first"],
    ];
    for (const [line, answer] of answers) {
      if (typeof line === "string") client.send(line);
      else client.write(Buffer.concat([line, Buffer.from("\n")]));
      expect(await client.readLine()).toBe(answer);
    }
    client.send("LOGIN bob");
    expect(await client.readLine()).toBe("OK");
    for (const [line, answer] of [
      ["PASSWORD a b", "ERR not-signed-in"],
      ["UNREGISTER a", "ERR not-signed-in"],
      ["REGISTER bob", "ERR invalid-password"],
    ]) {
      client.send(line!);
      expect(await client.readLine()).toBe(answer);
    }
    // Nothing was registered by any of it.
    expect(await server.app.container.resolve(Accounts).isRegistered("alice")).toBe(false);
    expect(await server.app.container.resolve(Accounts).isRegistered("bob")).toBe(false);
  });

  it("while the database cannot answer, says accounts-unavailable to logins and account commands; the users online go on", async () => {
    const store = SqliteStore.inMemory();
    let away = false;
    const accounts = store.accounts!;
    const failing: StorePort = {
      ...store,
      close: () => store.close(),
      accounts: {
        ...accounts,
        find: (name) => (away ? Promise.reject(new Error("connect ECONNREFUSED 10.0.0.6:5432")) : accounts.find(name)),
        create: (account) => (away ? Promise.reject(new Error("connect ECONNREFUSED 10.0.0.6:5432")) : accounts.create(account)),
      },
    };
    server = await startTcpServer({ rateLimitPerSecond: 0 }, { store: failing });
    const bob = await TcpClient.login(server.port, "bob");
    away = true;
    const alice = await TcpClient.connect(server.port);
    for (const [line, answer] of [
      ["LOGIN alice", "ERR accounts-unavailable"],
      ["LOGIN alice sesame", "ERR accounts-unavailable"],
      ["REGISTER alice sesame", "ERR accounts-unavailable"],
    ]) {
      alice.send(line!);
      expect(await alice.readLine()).toBe(answer);
    }
    bob.send("MSG still here");
    bob.send("PING");
    expect(await bob.readLine()).toBe("PONG");
    expect(server.logger.find("database unavailable").map(({ context }) => context.reason)).toEqual([
      "connect ECONNREFUSED 10.0.0.6:5432",
      "connect ECONNREFUSED 10.0.0.6:5432",
      "connect ECONNREFUSED 10.0.0.6:5432",
    ]);
    away = false;
    alice.send("LOGIN alice");
    expect(await alice.readLine()).toBe("OK");
    await store.close();
  });

  it("with guests off, only accounts log in; with registration closed, REGISTER is refused", async () => {
    server = await startTcpServer({ rateLimitPerSecond: 0, guests: false, registration: "closed" });
    const bob = await TcpClient.connect(server.port);
    bob.send("LOGIN bob");
    expect(await bob.readLine()).toBe("ERR guests-not-allowed");
    bob.send("REGISTER bob pw");
    expect(await bob.readLine()).toBe("ERR registration-closed");
  });
});

describe("accounts on IRC", () => {
  let server: RunningServer;
  afterEach(async () => {
    IrcClient.closeAll();
    await server.app.stop({ graceMs: 100 });
  });

  async function registered(name: string, password: string, role: Role = "user"): Promise<void> {
    const made = await server.app.container.resolve(Accounts).create(name, password, role);
    expect(made).toMatchObject({ name, role });
  }

  it("a registered nick without PASS is 433 with a notice on how to sign in; with PASS it registers, and WHOIS says the account", async () => {
    server = await startIrcServer({ rateLimitPerSecond: 0 });
    await registered("ivy", "ivy's secret");
    await expect(IrcClient.register(server.ircPort, "ivy")).rejects.toThrow(":chat.test 433 * ivy :Nickname is registered");
    const ivy = await IrcClient.register(server.ircPort, "ivy", "Ivy", "ivy", "ivy's secret");
    const bob = await IrcClient.register(server.ircPort, "bob");
    bob.client.raw("WHOIS ivy");
    expect(await bob.linesUntil(/ 318 /)).toEqual([
      ":chat.test 311 bob ivy ivy chat.test * :Ivy",
      ":chat.test 319 bob ivy :#lobby",
      ":chat.test 312 bob ivy chat.test :chat.test",
      ":chat.test 330 bob ivy ivy :is logged in as",
      expect.stringMatching(/^:chat\.test 317 bob ivy \d+ \d+ :seconds idle, signon time$/),
      ":chat.test 318 bob ivy :End of /WHOIS list",
    ]);
    ivy.client.raw("NICK ivan");
    expect(await ivy.waitFor(/^:chat\.test /)).toBe(":chat.test NOTICE ivy :You are signed in to the account ivy, and keep its name: NICK is not allowed.");
    bob.client.raw("NICK IVY");
    expect(await bob.waitFor(/^:chat\.test /)).toBe(":chat.test 433 bob IVY :Nickname is registered");
  });

  it("a wrong PASS is 464, and the nick may be tried again", async () => {
    server = await startIrcServer({ rateLimitPerSecond: 0 });
    await registered("ivy", "right");
    const raw = rawIrc(server.ircPort);
    raw.send("PASS wrong\r\nNICK ivy\r\nUSER ivy 0 * :Ivy");
    expect(await raw.until(/ 464 /)).toEqual([":chat.test 464 * :Password incorrect"]);
    raw.send("PASS right\r\nNICK ivy");
    expect((await raw.until(/ 001 /)).at(-1)).toBe(":chat.test 001 ivy :Welcome to the chat.test chat, ivy!ivy@chat.test");
    raw.send("PASS again");
    expect((await raw.until(/ 462 /)).at(-1)).toBe(":chat.test 462 ivy :You may not reregister");
  });

  it("OPER by an operator's account: 381 and +o, `*` in WHO's flags and 313 in WHOIS; MODE -o gives it up", async () => {
    server = await startIrcServer({ rateLimitPerSecond: 0 });
    await registered("boss", "boss pw", "operator");
    await registered("plain", "plain pw");
    const ivy = await IrcClient.register(server.ircPort, "ivy");
    const bob = await IrcClient.register(server.ircPort, "bob");
    const tries: [string, string][] = [
      ["OPER boss nope", ":chat.test 464 ivy :Password incorrect"],
      ["OPER plain :plain pw", ":chat.test 491 ivy :No O-lines for your host"],
      ["OPER boss :boss pw", ":chat.test 381 ivy :You are now an IRC operator"],
    ];
    for (const [line, answer] of tries) {
      ivy.client.raw(line);
      expect(await ivy.waitFor(/^:chat\.test (464|491|381) /)).toBe(answer);
    }
    expect(await ivy.waitFor(/ MODE /)).toBe(":ivy MODE ivy :+o");
    bob.client.raw("WHO ivy");
    expect(await bob.linesUntil(/ 315 /)).toEqual([":chat.test 352 bob * ivy chat.test chat.test ivy H* :0 ivy", ":chat.test 315 bob ivy :End of /WHO list"]);
    bob.client.raw("WHOIS ivy");
    expect(await bob.linesUntil(/ 318 /)).toContain(":chat.test 313 bob ivy :is an IRC operator");
    ivy.client.raw("MODE ivy -o");
    expect(await ivy.waitFor(/ MODE /)).toBe(":ivy MODE ivy :-o");
    bob.client.raw("WHO ivy");
    expect(await bob.linesUntil(/ 315 /)).toEqual([":chat.test 352 bob * ivy chat.test chat.test ivy H :0 ivy", ":chat.test 315 bob ivy :End of /WHO list"]);
  });
});

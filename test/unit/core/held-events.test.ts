import { Outgoing } from "../../../src/core/events";
import type { SaidBefore } from "../../../src/core/language";
import { REPLAYED_WATCH_MS } from "../../../src/core/session/replayed";
import { TOKENS } from "../../../src/core/tokens";
import { definePlugin } from "../../../src/core/plugin-api";
import type { FakeClient } from "../../../src/testing/in-memory-transport";
import { expectLines, linesOf, settle, startTestServer, type TestServer } from "../../../src/testing/test-server";
import { replayHistory, slowLoginHook } from "../../support/slow-login";

/**
 * Events for a user wait while its login hooks run. Found in review: held
 * events were neither sent nor recorded when the connection dropped
 * meanwhile (a session a login hook made resumable, with
 * room.resumeToken), and the hold began only after LOGIN's extensions.
 */

const base = ["login", "msg", "dm", "quit", "resume"];

/** bob logged in; alice logged in, made resumable (her token), her login hooks waiting for `open`. */
async function aliceLoggingIn(): Promise<{ server: TestServer; open: () => void; bob: FakeClient; alice: FakeClient; token: string }> {
  // Made resumable by a login hook (as RESUMABLE would), which then waits.
  const { plugin, open } = slowLoginHook("alice", { before: (session, room) => session.reply(`TOKEN ${room.resumeToken(session)}`) }, "auto-resume");
  const server = await startTestServer({ plugins: [...base, plugin], idleTimeoutMs: 0 });
  const bob = await server.login("bob");
  const alice = server.connect();
  alice.send("LOGIN alice");
  const [ok, tokenLine] = await linesOf(alice);
  expect(ok).toBe("OK");
  return { server, open, bob, alice, token: tokenLine!.split(" ")[1]! };
}

describe("events held during the login hooks", () => {
  it("an event held when the connection drops is replayed to the resumed session", async () => {
    const { server, open, bob, alice, token } = await aliceLoggingIn();
    try {
      bob.send("MSG held while alice's hooks run");
      await settle();
      alice.disconnect();
      bob.send("MSG after the drop");
      await settle();
      const phone = server.connect();
      phone.send(`RESUME ${token} 0`);
      const [greeting, ...missed] = await linesOf(phone);
      expect(greeting).toMatch(/^RESUMED alice /);
      open();
      await settle();
      expect([...missed, ...(await linesOf(phone))]).toEqual(["MSG bob held while alice's hooks run", "MSG bob after the drop"]);
      await expectLines(bob);
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });

  it("an event held when the connection drops is replayed in its place, before what came after the drop", async () => {
    const { server, open, bob, alice, token } = await aliceLoggingIn();
    try {
      bob.send("MSG first");
      await settle();
      alice.disconnect();
      bob.send("MSG second");
      await settle();
      open(); // the hooks end while the session waits for its resume
      await settle();
      const phone = server.connect();
      phone.send(`RESUME ${token} 0`);
      const [, ...missed] = await linesOf(phone);
      expect(missed).toEqual(["MSG bob first", "MSG bob second"]);
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });

  it("a message the hooks' history shows is not shown again live (the double show at login, docs/CLUSTER.md); one it does not show is", async () => {
    const said: SaidBefore[] = [];
    let read!: () => void;
    let reply!: () => void;
    const reading = new Promise<void>((resolve) => (read = resolve));
    const replying = new Promise<void>((resolve) => (reply = resolve));
    // A history read from a store while the chat goes on: what it holds is what was said until the read.
    const history = definePlugin({
      name: "store",
      dependencies: ["login"],
      register({ hooks }) {
        hooks.onMessage(({ from, text, id, at }) => void said.push({ from: from.username!, text, id, at }));
        hooks.onLogin(async ({ session, username }) => {
          if (username !== "alice") return;
          await reading;
          const messages = [...said];
          await replying;
          session.reply({ kind: "history", messages });
        });
      },
    });
    const server = await startTestServer({ plugins: [...base, { name: "store", plugin: history }], idleTimeoutMs: 0 });
    try {
      const bob = await server.login("bob");
      const alice = server.connect();
      alice.send("LOGIN alice");
      await expectLines(alice, "OK");
      bob.send("MSG read by the history");
      await settle();
      read();
      await settle();
      bob.send("MSG said after the read");
      await settle();
      reply();
      await expectLines(alice, "HISTORY bob read by the history", "END HISTORY", "MSG bob said after the read");
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });

  it("a message the history showed that comes live only after the hold (still on its way on a cluster's bus) is let go too, for a while", async () => {
    const onItsWay = "01KKP7NB0QE4H2M6S8W1Y3Z5CB";
    const veryLate = "01KKP7NB0QE4H2M6S8W1Y3Z5CC";
    const store = definePlugin({
      name: "store",
      dependencies: ["login"],
      register({ hooks }) {
        hooks.onLogin(({ session, username }) => {
          if (username === "alice") {
            session.reply({
              kind: "history",
              messages: [
                { from: "carol", text: "on its way", id: onItsWay, at: 0 },
                { from: "carol", text: "very late", id: veryLate, at: 0 },
              ],
            });
          }
        });
      },
    });
    const server = await startTestServer({ plugins: [...base, { name: "store", plugin: store }], idleTimeoutMs: 0 });
    try {
      const delivery = server.app.container.resolve(TOKENS.Delivery);
      const bob = await server.login("bob");
      const alice = await server.login("alice");
      await expectLines(alice, "HISTORY carol on its way", "HISTORY carol very late", "END HISTORY");
      // As the bus delivers it on a node whose reader is behind the history's read.
      const fromTheBus = (id: string, text: string): Outgoing => new Outgoing({ type: "message", id, at: 0, from: "carol", to: { kind: "everyone" }, text });
      delivery.broadcast(fromTheBus(onItsWay, "on its way"));
      await expectLines(alice);
      await expectLines(bob, "MSG carol on its way");
      server.clock.advance(REPLAYED_WATCH_MS + 1);
      // Past the watch, a message is shown whatever its id: the bus is not that far behind.
      delivery.broadcast(fromTheBus(veryLate, "very late"));
      await expectLines(alice, "MSG carol very late");
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });

  it("the hooks' replies come right after OK also when LOGIN is extended (an extension still running after OK)", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const audit = definePlugin({
      name: "audit",
      dependencies: ["login"],
      register({ commands, hooks }) {
        // e.g. writes the login to an audit log after it succeeded
        commands.extend("LOGIN", async ({ args }, next) => {
          await next();
          if (args === "alice") await gate;
        });
        hooks.onLogin(({ session }) => replayHistory(session));
      },
    });
    const server = await startTestServer({ plugins: [...base, { name: "audit", plugin: audit }], idleTimeoutMs: 0 });
    try {
      const bob = await server.login("bob");
      await linesOf(bob);
      const alice = server.connect();
      alice.send("LOGIN alice");
      await expectLines(alice, "OK");
      bob.send("MSG while alice logs in");
      await settle();
      open();
      await expectLines(alice, "HISTORY carol earlier", "END HISTORY", "MSG bob while alice logs in");
    } finally {
      await server.app.stop({ graceMs: 0 });
    }
  });
});

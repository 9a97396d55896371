import { InProcessPresence } from "../../../src/adapters/in-process/in-process-presence";
import type { PresencePort } from "../../../src/core/ports/presence.port";
import { linesOf, settle, startTestServer } from "../../../src/testing/test-server";

/** A registry that answers claims only when the test says so, like one across a network. */
class SlowPresence implements PresencePort {
  private readonly names = new InProcessPresence();
  private readonly waiting: (() => void)[] = [];

  claim(username: string): Promise<boolean> {
    return new Promise((resolve) => this.waiting.push(() => void this.names.claim(username).then(resolve)));
  }

  release(username: string): void {
    this.names.release(username);
  }

  /** Made at once, answered late: as a script that ran, its reply still on its way. */
  rename(from: string, to: string): Promise<boolean> {
    const renamed = this.names.rename(from, to);
    return new Promise((resolve) => this.waiting.push(() => void renamed.then(resolve)));
  }

  list(): Promise<readonly string[]> {
    return this.names.list();
  }

  find(usernames: readonly string[]): Promise<readonly string[]> {
    return this.names.find(usernames);
  }


  answerAll(): void {
    for (const answer of this.waiting.splice(0)) answer();
  }
}

describe("the room with a presence registry that answers late", () => {
  it("waits for the claim before anything else on that connection", async () => {
    const presence = new SlowPresence();
    const server = await startTestServer({ adapters: { presence } });
    const alice = server.connect();
    alice.write("LOGIN alice\nWHO\n");
    expect(await linesOf(alice)).toEqual([]);
    presence.answerAll();
    expect(await linesOf(alice)).toEqual(["OK", "USER alice", "END WHO"]);
  });

  it("gives the name back when the connection left while the claim was in flight", async () => {
    const presence = new SlowPresence();
    const server = await startTestServer({ adapters: { presence } });
    const gone = server.connect();
    gone.send("LOGIN alice");
    await settle();
    gone.disconnect();
    presence.answerAll();
    await settle();
    expect(await presence.list()).toEqual([]);
    const again = server.connect();
    again.send("LOGIN alice");
    await settle();
    presence.answerAll();
    expect(await linesOf(again)).toEqual(["OK"]);
    expect(server.logger.find("login")).toHaveLength(1);
  });

  it("frees the new name when the user left under its old one while the rename was in flight", async () => {
    const presence = new SlowPresence();
    const server = await startTestServer({ adapters: { presence } });
    const [alice, bob] = [server.connect(), server.connect()];
    alice.send("LOGIN alice");
    bob.send("LOGIN bob");
    await settle();
    presence.answerAll();
    expect([await linesOf(alice), await linesOf(bob)]).toEqual([["OK"], ["OK"]]);
    alice.send("NICK alicia");
    await settle();
    alice.disconnect();
    presence.answerAll();
    expect(await linesOf(bob)).toEqual(["INFO alice disconnected"]);
    expect(await presence.list()).toEqual(["bob"]);
  });

  it("refuses a resume while the session's rename is in flight (unavailable: try again), then resumes it under its new name (review of #20)", async () => {
    const presence = new SlowPresence();
    const server = await startTestServer({ adapters: { presence } });
    const alice = server.connect();
    alice.send("LOGIN alice");
    await settle();
    presence.answerAll();
    expect(await linesOf(alice)).toEqual(["OK"]);
    alice.send("RESUMABLE");
    const token = (await linesOf(alice))[0]!.split(" ")[1]!;
    alice.send("NICK alicia");
    await settle();
    alice.disconnect();
    const phone = server.connect();
    phone.send(`RESUME ${token} 0`);
    expect(await linesOf(phone)).toEqual(["ERR resume-refused unavailable"]);
    presence.answerAll();
    await settle();
    phone.send(`RESUME ${token} 0`);
    // Then the NICK's answer, which the dropped connection missed.
    expect(await linesOf(phone)).toEqual([expect.stringMatching(/^RESUMED alicia \S+$/), "OK"]);
    expect(await presence.list()).toEqual(["alicia"]);
  });
});

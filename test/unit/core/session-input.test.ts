import { linesOf, startTestServer } from "../../../src/testing/test-server";
import { replayHistory, slowLoginHook } from "../../support/slow-login";

describe("a session's input", () => {
  it("after a FIN that came while reading was paused, answers every line left, then closes", async () => {
    const { plugin, open } = slowLoginHook("alice", { after: replayHistory });
    const server = await startTestServer({ plugins: ["login", "ping", "who", plugin], idleTimeoutMs: 0 });
    const alice = server.connect();
    alice.send("LOGIN alice");
    expect(await linesOf(alice)).toEqual(["OK"]);
    expect(alice.paused).toBe(false); // held while the login hooks run, but nothing more came
    alice.send("PING");
    expect(alice.paused).toBe(true);
    alice.write("WHO");
    alice.endInput();
    expect(await linesOf(alice)).toEqual([]);
    open();
    expect(await linesOf(alice)).toEqual(["HISTORY carol earlier", "END HISTORY", "PONG", "USER alice", "END WHO"]);
    expect(alice.closedByServer).toBe(true);
  });
});

import { createHash } from "node:crypto";
import { BROWSER_SIGN_IN_MS, BrowserSignIns } from "../../../src/core/browser-sign-ins";
import type { BrowserSession, Origin } from "../../../src/core/ports/accounts.port";
import { TOKENS } from "../../../src/core/tokens";
import { startTestServer, type TestServer } from "../../../src/testing/test-server";

const LOOPBACK: Origin = { remoteAddress: "127.0.0.1", secure: false };

describe("browsers' sign-ins", () => {
  let server: TestServer;
  afterEach(() => server.app.stop({ graceMs: 0 }));

  it("keep only the token's SHA-256, last 30 days from the sign-in, and are swept once past", async () => {
    server = await startTestServer();
    const signIns = server.app.container.resolve(BrowserSignIns);
    const store = server.app.container.resolve(TOKENS.Store).browserSignIns!;
    const { token } = (await signIns.register("alice", "pw", LOOPBACK)) as BrowserSession;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const hash = createHash("sha256").update(token).digest("base64url");
    expect(await store.find(hash)).toEqual({ tokenHash: hash, account: "alice", generation: 0, issuedAt: server.clock.epochMs() });
    expect(await store.find(token)).toBeNull();

    server.clock.advance(BROWSER_SIGN_IN_MS);
    expect(await signIns.accountOf(token)).toBe("alice");
    server.clock.advance(1);
    expect(await signIns.accountOf(token)).toBeNull();
    // The next sign-in sweeps it out of the store.
    const again = (await signIns.signIn("alice", "pw", LOOPBACK)) as BrowserSession;
    expect([again.account, again.token === token]).toEqual(["alice", false]);
    expect(await store.find(hash)).toBeNull();
  });
});

import { OutputGuard } from "../../../src/core/session/output-guard";
import { Turns } from "../../../src/core/turns";
import { FakeClock } from "../../../src/testing/fake-clock";

/** A guard over a connection whose queue holds `pendingBytes`: a send queue of 100 bytes, 25 a turn. */
function guarding(): { connection: { pendingBytes: number }; turns: Turns; guard: OutputGuard } {
  const connection = { pendingBytes: 0 };
  const turns = new Turns(new FakeClock());
  const guard = new OutputGuard(connection, { settings: { maxSendQueueBytes: 100 }, turnOutputLimit: 25, turns });
  return { connection, turns, guard };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("an output guard", () => {
  it("lets through what fits in the send queue with what already waits, to the byte", () => {
    const { connection, guard } = guarding();
    expect(guard.fits(100)).toBe(true);
    expect(guard.fits(101)).toBe(false);
    connection.pendingBytes = 60;
    expect(guard.pending).toBe(60);
    expect(guard.fits(40)).toBe(true);
    expect(guard.fits(41)).toBe(false);
  });

  it("counts what is held back for the client as waiting, until it is released", () => {
    const { connection, guard } = guarding();
    connection.pendingBytes = 60;
    guard.hold(20);
    guard.hold(10);
    expect(guard.pending).toBe(90);
    expect(guard.fits(10)).toBe(true);
    expect(guard.fits(11)).toBe(false);
    guard.releaseHeld();
    expect(guard.pending).toBe(60);
    expect(guard.fits(40)).toBe(true);
  });

  it("saturates the turn once the client was given more than a turn's share of output, and counts afresh the next turn", async () => {
    const { turns, guard } = guarding();
    guard.given(20);
    guard.given(5);
    expect(turns.saturated).toBe(false);
    guard.given(1);
    expect(turns.saturated).toBe(true);
    await nextTurn();
    expect(turns.saturated).toBe(false);
    guard.given(25);
    expect(turns.saturated).toBe(false);
  });
});

import { IdleWatch } from "../../../src/core/session/idle-watch";
import { FakeClock } from "../../../src/testing/fake-clock";

/** A watch over a connection that opened now, on a fake clock, and when it was told the connection is idle. */
function watching(idleTimeoutMs: number): { clock: FakeClock; watch: IdleWatch; timedOut: number[] } {
  const clock = new FakeClock();
  const timedOut: number[] = [];
  const watch = new IdleWatch({ clock, settings: { idleTimeoutMs } }, { idleTimedOut: () => timedOut.push(clock.now()) }, clock.now());
  return { clock, watch, timedOut };
}

describe("an idle watch", () => {
  it("tells of a connection that sent nothing for the whole timeout, once, on the millisecond", () => {
    const { clock, timedOut } = watching(1000);
    clock.advance(999);
    expect(timedOut).toEqual([]);
    clock.advance(1);
    expect(timedOut).toEqual([1000]);
    clock.advance(10_000);
    expect(timedOut).toEqual([1000]);
  });

  it("counts the timeout from the last line", () => {
    const { clock, watch, timedOut } = watching(1000);
    clock.advance(600);
    watch.active(clock.now());
    clock.advance(999);
    expect(timedOut).toEqual([]);
    clock.advance(1);
    expect(timedOut).toEqual([1600]);
  });

  it("keeps one timer, however many lines come", () => {
    const { clock, watch, timedOut } = watching(1000);
    for (let at = 0; at < 5000; at += 10) {
      watch.active(clock.now());
      expect(clock.pending).toBe(1);
      clock.advance(10);
    }
    expect(timedOut).toEqual([]);
    clock.advance(1000);
    expect(timedOut).toEqual([5990]);
  });

  it("tells nothing once stopped", () => {
    const { clock, watch, timedOut } = watching(1000);
    clock.advance(500);
    watch.stop();
    expect(clock.pending).toBe(0);
    clock.advance(10_000);
    expect(timedOut).toEqual([]);
  });

  it("sets no timer when the timeout is 0", () => {
    const { clock, timedOut } = watching(0);
    expect(clock.pending).toBe(0);
    clock.advance(1_000_000);
    expect(timedOut).toEqual([]);
  });
});

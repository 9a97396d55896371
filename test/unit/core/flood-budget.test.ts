import { FloodBudget, floodRate } from "../../../src/core/session/flood-budget";
import { DEFAULT_CORE_SETTINGS } from "../../../src/core/settings";

const rate = (rateLimitPerSecond: number, rateBurst: number) => floodRate({ ...DEFAULT_CORE_SETTINGS, rateLimitPerSecond, rateBurst });

/** How many of `count` lines, all at `now`, the budget lets pass. */
function passing(budget: FloodBudget, count: number, now: number): number {
  let passed = 0;
  while (passed < count && budget.take(now)) passed++;
  return passed;
}

describe("the flood rate", () => {
  it("is an interval per line, and a burst's worth less one line of tolerance", () => {
    expect(rate(10, 20)).toEqual({ limited: true, intervalMs: 100, toleranceMs: 1900 });
  });

  it.each([
    ["rate", 0, 20],
    ["burst", 10, 0],
  ])("is off when the %s is 0", (_name, rateLimitPerSecond, rateBurst) => {
    expect(rate(rateLimitPerSecond, rateBurst).limited).toBe(false);
  });
});

describe("a flood budget", () => {
  it("lets a burst pass at once, then a line per interval", () => {
    const budget = new FloodBudget(rate(10, 3), 5000);
    expect(passing(budget, 10, 5000)).toBe(3);
    expect(budget.waitMs(5000)).toBe(100);
    expect(budget.take(5099)).toBe(false);
    expect(budget.waitMs(5099)).toBe(1);
    expect(budget.take(5100)).toBe(true);
    expect(budget.take(5100)).toBe(false);
    expect(budget.waitMs(5100)).toBe(100);
  });

  it("refuses a line without spending anything: waiting longer lets it pass", () => {
    const budget = new FloodBudget(rate(10, 1), 0);
    expect(budget.take(0)).toBe(true);
    for (let tries = 0; tries < 5; tries++) expect(budget.take(50)).toBe(false);
    expect(budget.take(100)).toBe(true);
  });

  it("comes back while the client is quiet, a burst at most", () => {
    const budget = new FloodBudget(rate(10, 3), 0);
    expect(passing(budget, 3, 0)).toBe(3);
    expect(passing(budget, 10, 200)).toBe(2);
    expect(passing(budget, 10, 60_000)).toBe(3);
  });

  it("makes the next lines wait longer after a costly command is charged", () => {
    const budget = new FloodBudget(rate(10, 3), 0);
    expect(budget.take(0)).toBe(true); // the costly command's own line
    budget.charge(9, 0);
    expect(budget.take(0)).toBe(false);
    expect(budget.waitMs(0)).toBe(800); // ten lines' worth spent, a burst less one line tolerated
    expect(passing(budget, 10, 800)).toBe(1);
  });

  it("charges from now, not from a past already paid back", () => {
    const budget = new FloodBudget(rate(10, 3), 0);
    budget.charge(1, 10_000);
    expect(passing(budget, 10, 10_000)).toBe(2);
  });

  it("lets everything pass when flood control is off, costly commands too", () => {
    const budget = new FloodBudget(rate(0, 20), 0);
    budget.charge(1000, 0);
    expect(passing(budget, 10_000, 0)).toBe(10_000);
  });
});

import type { ClockPort } from "./ports/clock.port";

/**
 * The extra cost (beyond a line each) of the costly commands (WHO: 10, a
 * plugin's own `cost`) that may run in one event-loop turn, across all
 * connections: five WHOs (each 9 beyond its own line). Flood control is per
 * connection; without this, a hundred connections' bursts of WHOs ran in
 * one turn and held every other user (their PINGs too) for up to 0.8 s.
 */
const COSTLY_PER_TURN = 45;

/**
 * Numbers the event-loop turns, so that a session can tell whether a turn
 * has passed since it last looked: async commands resume in the same turn,
 * and their lines count against the same budget.
 */
export class Turns {
  private current = 0;
  private counting = false;
  /** The turn in which some connection was given a whole turn's share of output. */
  private saturatedTurn = -1;
  /** The turn whose costly commands `costlySpent` counts. */
  private costlyTurn = -1;
  private costlySpent = 0;

  constructor(private readonly clock: ClockPort) {}

  /** The number of the turn running now. */
  now(): number {
    if (!this.counting) {
      this.counting = true;
      this.clock.defer(this.advance);
    }
    return this.current;
  }

  /**
   * Some connection was given as much output as one turn may give it: the
   * connections stop taking input until the next turn, once this turn's
   * output has been written, so that a burst cannot pile up more for one
   * reader than it can take between two turns.
   */
  saturate(): void {
    this.saturatedTurn = this.now();
  }

  /** Whether this turn's output is full: input waits for the next turn. */
  get saturated(): boolean {
    return this.saturatedTurn === this.current;
  }

  /**
   * Takes `extraCost` from this turn's share of costly commands; false when
   * it is spent, and the command waits for a later turn. The first costly
   * command of a turn always runs, whatever its cost.
   */
  spendCostly(extraCost: number): boolean {
    const turn = this.now();
    if (turn !== this.costlyTurn) {
      this.costlyTurn = turn;
      this.costlySpent = 0;
    }
    if (this.costlySpent > 0 && this.costlySpent + extraCost > COSTLY_PER_TURN) return false;
    this.costlySpent += extraCost;
    return true;
  }

  private readonly advance = (): void => {
    this.current++;
    this.counting = false;
  };
}

import type { ClockPort } from "./ports/clock.port";

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

  private readonly advance = (): void => {
    this.current++;
    this.counting = false;
  };
}

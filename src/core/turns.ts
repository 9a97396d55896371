import type { ClockPort } from "./ports/clock.port";

/**
 * Numbers the event-loop turns, so that a session can tell whether a turn
 * has passed since it last looked: async commands resume in the same turn,
 * and their lines count against the same budget.
 */
export class Turns {
  private current = 0;
  private counting = false;

  constructor(private readonly clock: ClockPort) {}

  /** The number of the turn running now. */
  now(): number {
    if (!this.counting) {
      this.counting = true;
      this.clock.defer(this.advance);
    }
    return this.current;
  }

  private readonly advance = (): void => {
    this.current++;
    this.counting = false;
  };
}

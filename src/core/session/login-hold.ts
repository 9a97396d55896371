import type { Outgoing } from "../events";

/**
 * The events for a user that come while its login hooks run (the history
 * being read from Redis, say), from the moment its LOGIN succeeds: they
 * wait, in order, until the hooks are done, so that what the hooks reply
 * comes right after `OK`, before anything else. A session has one only
 * while a login's hooks are due or running, and none the rest of its life.
 */
export class LoginHold {
  private running = false;
  private readonly held: Outgoing[] = [];

  /** The hooks are yet to run: they wait for the LOGIN's command (its extensions too) to be done. */
  get due(): boolean {
    return !this.running;
  }

  /** The hooks start. */
  start(): void {
    this.running = true;
  }

  hold(event: Outgoing): void {
    this.held.push(event);
  }

  /** What came meanwhile, in order. */
  get events(): readonly Outgoing[] {
    return this.held;
  }
}

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
  /** The ids of the messages the hooks replayed (a history): not shown again live. */
  private replayed: Set<string> | null = null;

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

  /**
   * The hooks showed these messages (a history read while the chat went on):
   * held events of the same messages are let go, so that none is shown twice.
   */
  shown(ids: Iterable<string>): void {
    for (const id of ids) (this.replayed ??= new Set()).add(id);
  }

  /** What came meanwhile, in order, but the messages the hooks showed already. */
  get events(): readonly Outgoing[] {
    const replayed = this.replayed;
    if (replayed === null) return this.held;
    return this.held.filter(({ event }) => event.type !== "message" || !replayed.has(event.id));
  }
}

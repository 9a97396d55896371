/**
 * How long after a login the messages its history showed are watched for:
 * in a cluster, a message the history read from Redis may still be on its
 * way to this node on the bus (docs/CLUSTER.md). A healthy bus is
 * milliseconds behind; this is generous.
 */
export const REPLAYED_WATCH_MS = 10_000;

/**
 * The ids of the messages a user's login history showed, for a while: a
 * message that comes live with one of them was shown already, and is let
 * go, so that no message is shown twice. Each id comes live at most once
 * more, and is forgotten then.
 */
export class Replayed {
  private readonly ids = new Set<string>();

  constructor(private readonly until: number) {}

  add(ids: Iterable<string>): void {
    for (const id of ids) this.ids.add(id);
  }

  /** Whether the watch is over (its time is up, or every id came back): then it can go. */
  over(now: number): boolean {
    return now > this.until || this.ids.size === 0;
  }

  /** Whether the message `id` was shown already: true once. */
  take(id: string): boolean {
    return this.ids.delete(id);
  }
}

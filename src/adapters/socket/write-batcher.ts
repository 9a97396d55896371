import type { ClockPort } from "../../core/ports/clock.port";

/** Something with output queued during this event-loop turn. */
export interface Flushable {
  flush(): void;
}

/**
 * Defers writes to the end of the event-loop turn, so that everything sent
 * to one socket during a turn (a burst of broadcasts, many replies) leaves
 * in one write and one syscall. setImmediate runs after the I/O callbacks
 * of the turn, so no read handled in the turn waits longer than the turn.
 *
 * One per transport, shared by its connections: it hands them the
 * transport's clock too, for their timers (a closing socket's linger).
 */
export class WriteBatcher {
  private dirty: Flushable[] = [];
  private spare: Flushable[] = [];
  private scheduled = false;

  constructor(readonly clock: ClockPort) {}

  /** Flushes `target` at the end of this turn; call once per turn and target. */
  defer(target: Flushable): void {
    this.dirty.push(target);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.scheduled = false;
    const dirty = this.dirty;
    this.dirty = this.spare;
    for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
    dirty.length = 0;
    this.spare = dirty;
  };
}

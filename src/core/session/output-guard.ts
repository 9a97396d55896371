import type { Connection } from "../ports/transport.port";
import type { CoreSettings } from "../settings";
import type { Turns } from "../turns";

/** What an output guard needs of the session's services. */
export interface OutputLimits {
  readonly settings: Pick<CoreSettings, "maxSendQueueBytes">;
  /** The output one connection may be given in one event-loop turn (see turnOutputLimit). */
  readonly turnOutputLimit: number;
  readonly turns: Turns;
}

/**
 * Keeps one client's output within bounds. What waits for it in this
 * process (its connection's queue, this turn's output included, and what
 * is held back for it) may not pass the send-queue limit: a client whose
 * output would is dropped instead (by the session), so that it costs
 * bounded memory and slows nobody else down. A client given a turn's share
 * of output makes the server stop taking input until that output is
 * written (Turns.saturate), so that a burst alone never drops a client
 * that reads.
 */
export class OutputGuard {
  /** Output accepted for the client but not yet given to its connection (see LoginHold): it counts as waiting. */
  private heldBytes = 0;
  /** The turn in which the client was last given output, and how many bytes. */
  private turn = -1;
  private bytesThisTurn = 0;

  constructor(
    private readonly connection: Pick<Connection, "pendingBytes">,
    private readonly limits: OutputLimits,
  ) {}

  /** What waits for the client in this process, in bytes. */
  get pending(): number {
    return this.connection.pendingBytes + this.heldBytes;
  }

  /** Whether `length` more bytes keep what waits for the client within the send-queue limit. */
  fits(length: number): boolean {
    return this.pending + length <= this.limits.settings.maxSendQueueBytes;
  }

  /** `length` bytes were given to the connection: they count against this turn's share. */
  given(length: number): void {
    const { turns } = this.limits;
    const turn = turns.now();
    if (turn !== this.turn) {
      this.turn = turn;
      this.bytesThisTurn = 0;
    }
    if ((this.bytesThisTurn += length) > this.limits.turnOutputLimit) turns.saturate();
  }

  /** `length` bytes are held back for the client, to be given later. */
  hold(length: number): void {
    this.heldBytes += length;
  }

  /** What was held back is given now, or dropped: the connection's queue counts it from here, if at all. */
  releaseHeld(): void {
    this.heldBytes = 0;
  }
}

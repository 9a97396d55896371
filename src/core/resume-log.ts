import type { Outgoing } from "./events";
import type { Reply } from "./language";

/** Why lines cannot be replayed from where the client says it is. */
export type ReplayRefusal = "gap-too-large" | "bad-count";

/** What a log keeps of one thing a session was sent: the event, or the reply, in the core's words. */
export type Kept = Outgoing | Reply;

/** What a client missed, to be rendered again for its door: from a count of lines on. */
export interface Replay {
  /** What it was sent, in order. */
  readonly items: readonly Kept[];
  /** Lines of the first item the client has already (it was cut there). */
  readonly skip: number;
  /** The lines the replay makes, in all. */
  readonly lines: number;
}

/**
 * What a resumable session was sent, kept as events and replies (not one
 * door's bytes) so that a client that lost its connection can be sent what
 * it missed, rendered for its door again. Each item is counted as its door
 * showed it when it was sent: its lines (a resume counts lines: docs/
 * PROTOCOL.md) and its bytes (the bound `--resume-buffer` is measured on
 * what the client was sent). Lines are numbered from 0 (the token's line)
 * on; the oldest go when the log passes its capacity in bytes. Events are
 * kept by reference: one to everyone is shared by every log that holds it.
 */
export class ResumeLog {
  /**
   * The items kept, from `head` on, with their lines and bytes: arrays
   * rather than an object per item (a log holds thousands), dropped from
   * the front by moving `head`, and compacted once the dropped half is as
   * long as what is kept.
   */
  private items: Kept[] = [];
  private counts: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  /** The number of the first line kept, and of the next line to come. */
  private first = 0;
  private next = 0;

  constructor(private readonly capacityBytes: number) {}

  /** `item` was sent: `lines` lines, `size` bytes, as its door showed it. */
  record(item: Kept, lines: number, size: number): void {
    this.items.push(item);
    this.counts.push(lines);
    this.sizes.push(size);
    this.bytes += size;
    this.next += lines;
    while (this.bytes > this.capacityBytes && this.items.length - this.head > 1) {
      this.bytes -= this.sizes[this.head]!;
      this.first += this.counts[this.head]!;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.counts = this.counts.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /** What was sent from line number `from` on, in order (the first item to be cut where `from` falls). */
  since(from: number): Replay | ReplayRefusal {
    if (from > this.next || from < 0 || !Number.isInteger(from)) return "bad-count";
    if (from < this.first) return "gap-too-large";
    const items: Kept[] = [];
    let skip = 0;
    let line = this.first;
    for (let i = this.head; i < this.items.length; i++) {
      const itemStart = line;
      line += this.counts[i]!;
      if (line <= from) continue;
      if (items.length === 0) skip = Math.max(0, from - itemStart);
      items.push(this.items[i]!);
    }
    return { items, skip, lines: this.next - from };
  }
}

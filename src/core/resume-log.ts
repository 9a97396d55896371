import type { ChatEvent } from "./events";

/** Why what a client missed cannot be replayed from where it says it got to. */
export type ReplayRefusal = "gap-too-large" | "bad-count" | "unknown-event";

/**
 * Where a client got to, as its door counts: the lines it received after
 * the token's line (the line protocol), or the id of the last event it got
 * (doors that show ids: docs/API.md).
 */
export type ResumePoint = { readonly received: number } | { readonly after: string };

/**
 * What a log keeps of one thing a session was sent: an event, in the core's
 * words; an answer, as its door sent it (it was for this client alone, in
 * the context of its command: a JSON answer's `for`).
 */
export type Kept = ChatEvent | Uint8Array;

/** What a client missed, to be rendered again for its door. */
export interface Replay {
  /** What it was sent, in order. */
  readonly items: readonly Kept[];
  /** Lines of the first item the client has already (a count fell inside it). */
  readonly skip: number;
  /** The lines the replay makes, in all. */
  readonly lines: number;
}

/** Lines and bytes of an item, in one number: a log holds thousands, and one array of numbers stores them unboxed. */
const LINES_PER_MARK = 2 ** 21;

/**
 * What a resumable session was sent, its events kept as events (not one
 * door's bytes) so that a client that lost its connection can be sent what
 * it missed, rendered for its door again. Each item is counted as its door
 * showed it when it was sent: its lines (a line client's resume counts
 * lines: docs/PROTOCOL.md) and its bytes (`--resume-buffer` bounds what the
 * client was sent). Lines are numbered from 0 (the token's line) on; the
 * oldest items go when the log passes its capacity in bytes. Events are
 * kept by reference: one to everyone is shared by every log that holds it.
 */
export class ResumeLog {
  /**
   * The items kept, from `head` on, and their lines and bytes (`marks`):
   * two arrays rather than an object per item, dropped from the front by
   * moving `head`, and compacted once the dropped half is as long as what
   * is kept.
   */
  private items: Kept[] = [];
  private marks: number[] = [];
  private head = 0;
  private bytes = 0;
  /** The number of the first line kept, and of the next line to come. */
  private first = 0;
  private next = 0;

  constructor(private readonly capacityBytes: number) {}

  /** `item` was sent: `lines` lines, `size` bytes, as its door showed it. */
  record(item: Kept, lines: number, size: number): void {
    this.items.push(item);
    this.marks.push(size * LINES_PER_MARK + Math.min(lines, LINES_PER_MARK - 1));
    this.bytes += size;
    this.next += lines;
    while (this.bytes > this.capacityBytes && this.items.length - this.head > 1) {
      const mark = this.marks[this.head]!;
      this.bytes -= Math.floor(mark / LINES_PER_MARK);
      this.first += mark % LINES_PER_MARK;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.marks = this.marks.slice(this.head);
      this.head = 0;
    }
  }

  /** What was sent after the point the client got to, in order. */
  since(point: ResumePoint): Replay | ReplayRefusal {
    return "received" in point ? this.fromLine(point.received + 1) : this.after(point.after);
  }

  /** From line number `from` on (the first item to be cut where `from` falls). */
  private fromLine(from: number): Replay | ReplayRefusal {
    if (from > this.next || from < 0 || !Number.isInteger(from)) return "bad-count";
    if (from < this.first) return "gap-too-large";
    let line = this.first;
    let i = this.head;
    for (; i < this.items.length; i++) {
      const end = line + (this.marks[i]! % LINES_PER_MARK);
      if (end > from) break;
      line = end;
    }
    return { items: this.items.slice(i), skip: from - line, lines: this.next - from };
  }

  /**
   * After the event `id`. An id older than every event kept (ids sort by
   * time) is one the client got before its token, when nothing has gone
   * yet: everything since the token is replayed; once something went, it
   * may have been missed: a gap too large. Any other id was never sent.
   */
  private after(id: string): Replay | ReplayRefusal {
    let oldest: string | undefined;
    let lines = 0;
    for (let i = this.items.length - 1; i >= this.head; i--) {
      const item = this.items[i]!;
      if (!(item instanceof Uint8Array)) {
        if (item.id === id) return { items: this.items.slice(i + 1), skip: 0, lines };
        oldest = item.id;
      }
      lines += this.marks[i]! % LINES_PER_MARK;
    }
    if (oldest !== undefined && id > oldest) return "unknown-event";
    return this.first === 0 ? this.fromLine(1) : "gap-too-large";
  }
}

const LF = 0x0a;

/** Why lines cannot be replayed from where the client says it is. */
export type ReplayRefusal = "gap-too-large" | "bad-count";

/** Lines to replay, LF-ended, and how many. */
export interface Replay {
  readonly bytes: Uint8Array;
  readonly lines: number;
}

/**
 * What a resumable session was sent, in its door's words (LF-ended lines:
 * only doors that speak lines offer resuming), kept so that a client that lost its connection can be sent what it
 * missed. Lines are numbered from 0 (the token's line) on; the oldest go
 * when the log passes its capacity in bytes. The bytes are kept by
 * reference: lines to everyone are shared by every log that holds them.
 */
export class ResumeLog {
  /**
   * The entries kept, from `head` on: two arrays rather than an object per
   * entry (a log holds thousands), dropped from the front by moving `head`,
   * and compacted once the dropped half is as long as what is kept.
   */
  private parts: Uint8Array[] = [];
  private counts: number[] = [];
  private head = 0;
  private bytes = 0;
  /** The number of the first line kept, and of the next line to come. */
  private first = 0;
  private next = 0;

  constructor(private readonly capacityBytes: number) {}

  record(bytes: Uint8Array, lines: number): void {
    this.parts.push(bytes);
    this.counts.push(lines);
    this.bytes += bytes.byteLength;
    this.next += lines;
    while (this.bytes > this.capacityBytes && this.parts.length - this.head > 1) {
      this.bytes -= this.parts[this.head]!.byteLength;
      this.first += this.counts[this.head]!;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.parts.length) {
      this.parts = this.parts.slice(this.head);
      this.counts = this.counts.slice(this.head);
      this.head = 0;
    }
  }

  /** The lines from number `from` on, in order, as they were sent (the first entry cut where `from` falls). */
  since(from: number): Replay | ReplayRefusal {
    if (from > this.next || from < 0 || !Number.isInteger(from)) return "bad-count";
    if (from < this.first) return "gap-too-large";
    const parts: Uint8Array[] = [];
    let line = this.first;
    for (let i = this.head; i < this.parts.length; i++) {
      const bytes = this.parts[i]!;
      const entryStart = line;
      line += this.counts[i]!;
      if (line <= from) continue;
      let start = 0;
      for (let skipped = entryStart; skipped < from; skipped++) start = bytes.indexOf(LF, start) + 1;
      parts.push(start === 0 ? bytes : bytes.subarray(start));
    }
    return { bytes: Buffer.concat(parts), lines: this.next - from };
  }
}

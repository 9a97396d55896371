const LF = 0x0a;

interface Entry {
  readonly bytes: Uint8Array;
  readonly lines: number;
}

/** Why lines cannot be replayed from where the client says it is. */
export type ReplayRefusal = "gap-too-large" | "bad-count";

/**
 * What a resumable session was sent, in the line protocol's words (LF-ended
 * lines), kept so that a client that lost its connection can be sent what it
 * missed. Lines are numbered from 0 (the token's line) on; the oldest go
 * when the log passes its capacity in bytes. The bytes are kept by
 * reference: lines to everyone are shared by every log that holds them.
 */
export class ResumeLog {
  private entries: Entry[] = [];
  private bytes = 0;
  /** The number of the first line kept, and of the next line to come. */
  private first = 0;
  private next = 0;

  constructor(private readonly capacityBytes: number) {}

  record(bytes: Uint8Array, lines: number): void {
    this.entries.push({ bytes, lines });
    this.bytes += bytes.byteLength;
    this.next += lines;
    while (this.bytes > this.capacityBytes && this.entries.length > 1) {
      const gone = this.entries.shift()!;
      this.bytes -= gone.bytes.byteLength;
      this.first += gone.lines;
    }
  }

  /** The lines from number `from` on, in order, as they were sent (the first entry cut where `from` falls). */
  since(from: number): Uint8Array[] | ReplayRefusal {
    if (from > this.next || from < 0 || !Number.isInteger(from)) return "bad-count";
    if (from < this.first) return "gap-too-large";
    const replay: Uint8Array[] = [];
    let line = this.first;
    for (const { bytes, lines } of this.entries) {
      const entryStart = line;
      line += lines;
      if (line <= from) continue;
      let start = 0;
      for (let skipped = entryStart; skipped < from; skipped++) start = bytes.indexOf(LF, start) + 1;
      replay.push(start === 0 ? bytes : bytes.subarray(start));
    }
    return replay;
  }

  /** Lines sent so far, counted from the token's line. */
  get count(): number {
    return this.next;
  }
}

import { isUtf8 } from "node:buffer";

/** Why a line was refused; the client is told `ERR <error>`. */
export type LineError = "line-too-long" | "invalid-utf8";

export interface LineFailure {
  readonly error: LineError;
}

const LINE_TOO_LONG: LineFailure = Object.freeze({ error: "line-too-long" });
const INVALID_UTF8: LineFailure = Object.freeze({ error: "invalid-utf8" });

const LF = 0x0a;
const CR = 0x0d;
const MIN_PARTIAL_CAPACITY = 256;
const NOTHING = Buffer.alloc(0);

/**
 * Splits a byte stream into lines (LF, with an optional CR before it; or,
 * for IRC, any of CR, LF and CRLF).
 *
 * Pull-based so that the reader can stop between lines (an async command, a
 * flood budget) and pick up exactly where it left off: `push` hands over a
 * chunk without copying it, `next` returns one line at a time.
 *
 * Memory stays bounded whatever arrives: of a line not yet complete at most
 * `maxLineBytes + 1` bytes are held (the +1 is a CR that may turn out to be
 * part of the line ending). A longer line yields one `line-too-long` as soon
 * as it is known to be too long, and its remaining bytes are skipped up to
 * the next LF.
 */
export class LineDecoder {
  private chunk: Buffer | null = null;
  private offset = 0;
  /** Chunks pushed while one is still being read; rare, so made only when needed. */
  private queued: Buffer[] | null = null;
  private partial: Buffer | null = null;
  private partialLength = 0;
  private discarding = false;
  private ended = false;
  /**
   * With `crEndsLine`: the next CR and LF in `chunk` at or after `offset`
   * (-1: none left), so that no byte is searched twice.
   */
  private nextCr = -1;
  private nextLf = -1;

  /**
   * `crEndsLine`: a CR alone ends a line too (IRC, where clients and
   * servers have long accepted either); a CRLF then ends a line and an
   * empty one, which IRC ignores.
   */
  constructor(
    private readonly maxLineBytes: number,
    private readonly crEndsLine = false,
  ) {}

  /** Bytes of an unfinished line that are held until its LF arrives. */
  get heldBytes(): number {
    return this.partialLength;
  }

  push(chunk: Uint8Array): void {
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.chunk === null) {
      this.startChunk(buffer);
    } else {
      (this.queued ??= []).push(buffer);
    }
  }

  /**
   * No more bytes will come: what is held of an unfinished line becomes the
   * last line, as a line-at-a-time reader returns a last line without LF.
   */
  endOfInput(): void {
    this.ended = true;
  }

  /** The next complete line (without its ending), a failure, or null for "need more bytes". */
  next(): string | LineFailure | null {
    const line = this.nextTerminated();
    if (line !== null || !this.ended || this.partialLength === 0) return line;
    return this.complete(NOTHING, 0, 0);
  }

  private nextTerminated(): string | LineFailure | null {
    while (this.chunk !== null) {
      const chunk = this.chunk;
      const start = this.offset;
      const lf = this.lineEnd(chunk, start);
      if (lf === -1) {
        this.takeNextChunk();
        const failure = this.hold(chunk, start, chunk.length);
        if (failure !== null) return failure;
        continue;
      }
      this.offset = lf + 1;
      if (this.offset === chunk.length) this.takeNextChunk();
      const line = this.complete(chunk, start, lf);
      if (line !== null) return line;
    }
    return null;
  }

  /** Where the line that starts at `start` ends: its LF (or, with `crEndsLine`, a CR), or -1. */
  private lineEnd(chunk: Buffer, start: number): number {
    if (!this.crEndsLine) return chunk.indexOf(LF, start);
    if (this.nextCr !== -1 && this.nextCr < start) this.nextCr = chunk.indexOf(CR, start);
    if (this.nextLf !== -1 && this.nextLf < start) this.nextLf = chunk.indexOf(LF, start);
    const { nextCr: cr, nextLf: lf } = this;
    return cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
  }

  private takeNextChunk(): void {
    this.startChunk(this.queued?.shift() ?? null);
  }

  private startChunk(chunk: Buffer | null): void {
    this.chunk = chunk;
    this.offset = 0;
    if (this.crEndsLine && chunk !== null) {
      this.nextCr = chunk.indexOf(CR);
      this.nextLf = chunk.indexOf(LF);
    }
  }

  /** Keeps the start of a line whose LF has not arrived yet. */
  private hold(chunk: Buffer, start: number, end: number): LineFailure | null {
    if (this.discarding || start === end) return null;
    const total = this.partialLength + (end - start);
    const limit = this.maxLineBytes;
    if (total > limit + 1 || (total === limit + 1 && chunk[end - 1] !== CR)) {
      return this.startDiscarding();
    }
    this.ensurePartialCapacity(total);
    chunk.copy(this.partial!, this.partialLength, start, end);
    this.partialLength = total;
    return null;
  }

  /** A line's LF has arrived at `end`; returns its text, a failure, or null (skipped). */
  private complete(chunk: Buffer, start: number, end: number): string | LineFailure | null {
    if (this.discarding) {
      this.discarding = false;
      return null;
    }
    let bytes = chunk;
    let from = start;
    let to = end;
    if (this.partialLength > 0) {
      const total = this.partialLength + (end - start);
      if (total > this.maxLineBytes + 1) {
        this.dropPartial();
        return LINE_TOO_LONG;
      }
      this.ensurePartialCapacity(total);
      chunk.copy(this.partial!, this.partialLength, start, end);
      bytes = this.partial!;
      from = 0;
      to = total;
      this.dropPartial();
    }
    if (to > from && bytes[to - 1] === CR) to--;
    if (to - from > this.maxLineBytes) return LINE_TOO_LONG;
    const text = bytes.toString("utf8", from, to);
    // Decoding replaces every invalid sequence with U+FFFD, so a line without
    // one is valid; only a line that has one needs the exact check.
    if (text.includes("\uFFFD") && !isUtf8(bytes.subarray(from, to))) return INVALID_UTF8;
    return text;
  }

  private startDiscarding(): LineFailure {
    this.dropPartial();
    this.discarding = true;
    return LINE_TOO_LONG;
  }

  private dropPartial(): void {
    this.partial = null;
    this.partialLength = 0;
  }

  private ensurePartialCapacity(needed: number): void {
    const current = this.partial;
    if (current !== null && current.length >= needed) return;
    const capacity = Math.min(this.maxLineBytes + 1, Math.max(MIN_PARTIAL_CAPACITY, needed * 2));
    const grown = Buffer.allocUnsafeSlow(capacity);
    if (current !== null) current.copy(grown, 0, 0, this.partialLength);
    this.partial = grown;
  }
}

/**
 * Encoding of lines meant for many connections.
 *
 * A line to everyone is written once, one after another into shared slabs
 * of memory, and every recipient queues a view of it, never a copy. Since
 * each recipient gets every such line (but its own), the lines waiting for
 * one recipient are one contiguous range of a slab: a transport can merge
 * them into one view and write a whole turn's worth with one call, and a
 * reader that falls behind holds a range of the slabs everyone shares,
 * not a copy of its own.
 *
 * Every byte written here has a position in its sequence, so that a
 * transport can charge a recipient for the span it keeps alive (its own
 * lines, which it does not receive, included), not just for the bytes it
 * will be sent.
 */

const SLAB_BYTES = 64 * 1024;
const LF = 0x0a;

/** Where a slab lies: in which sequence of shared lines, from which position. */
export interface SharedSlab {
  readonly lines: SharedLines;
  readonly start: number;
}

const slabs = new WeakMap<ArrayBufferLike, SharedSlab>();

/**
 * The slab `bytes` lie in, when they were written by a SharedLines: the
 * position of their first byte in its sequence is `start + byteOffset`.
 */
export function sharedSlab(bytes: Uint8Array): SharedSlab | undefined {
  return slabs.get(bytes.buffer);
}

/** A copy of `bytes` in memory of its own: holding it keeps nothing else alive (a slice of a larger buffer would). */
export function copyAlone(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.byteLength);
  copy.set(bytes);
  return copy;
}

/** A writer of lines into shared slabs; one per protocol, so that each protocol's lines stay contiguous. */
export class SharedLines {
  private slab: Buffer = Buffer.alloc(0);
  private used = 0;
  /** The position of the slab's first byte in this sequence. */
  private slabStart = 0;

  /** The line with its LF, as a view of a shared slab. Never modified afterwards. */
  encode(line: string): Buffer {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (line.length * 3 + 1 > this.slab.length - this.used) {
      const bytes = Buffer.byteLength(line) + 1;
      if (bytes > this.slab.length - this.used) this.newSlab(bytes);
    }
    const start = this.used;
    const end = start + this.slab.write(line, start);
    this.slab[end] = LF;
    this.used = end + 1;
    return this.slab.subarray(start, this.used);
  }

  /** Copies an encoded line (from another node, say) into the shared slabs. */
  copy(bytes: Uint8Array): Buffer {
    const copy = this.allocate(bytes.byteLength);
    copy.set(bytes);
    return copy;
  }

  /** `length` fresh bytes of the shared slabs, for the caller to fill at once (a protocol's framing of a line, say). */
  allocate(length: number): Buffer {
    if (length > this.slab.length - this.used) this.newSlab(length);
    const start = this.used;
    this.used = start + length;
    return this.slab.subarray(start, this.used);
  }

  private newSlab(atLeast: number): void {
    // The unused end of the last slab takes no positions, so that the lines
    // on either side of it are as far apart as the bytes between them.
    const start = this.slabStart + this.used;
    this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, atLeast));
    this.used = 0;
    this.slabStart = start;
    slabs.set(this.slab.buffer, { lines: this, start });
  }
}

/**
 * The line protocol's lines to everyone, from this node and from the
 * others alike: one sequence, so that what a recipient is sent stays
 * contiguous whichever node a line came from.
 */
export const everyoneLines = new SharedLines();

/** Encodes one outgoing line, adding the LF that ends every line the server sends. */
export function encodeLine(line: string): Buffer {
  return Buffer.from(`${line}\n`);
}

/**
 * Encodes a line into memory of its own, for a line that may wait long in
 * slow readers' queues: holding it keeps nothing else alive, whereas a
 * small `Buffer.from` is a slice of a pool shared with everything else.
 */
export function encodeLineAlone(line: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(line) + 1);
  bytes[bytes.write(line)] = 0x0a;
  return bytes;
}

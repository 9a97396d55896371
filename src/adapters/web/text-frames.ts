import { SharedLines, sharedSlab } from "../../core/protocol/shared-lines";

const LF = 0x0a;
const FIN_TEXT = 0x81;
const FIN_CLOSE = 0x88;

/** Bytes of a frame's header for a payload of `length` (server frames are not masked). */
function headerLength(length: number): number {
  return length < 126 ? 2 : length < 65_536 ? 4 : 10;
}

function writeHeader(into: Uint8Array, at: number, opcode: number, length: number): number {
  into[at] = opcode;
  if (length < 126) {
    into[at + 1] = length;
    return at + 2;
  }
  if (length < 65_536) {
    into[at + 1] = 126;
    into[at + 2] = length >> 8;
    into[at + 3] = length & 0xff;
    return at + 4;
  }
  into[at + 1] = 127;
  new DataView(into.buffer, into.byteOffset + at + 2, 8).setBigUint64(0, BigInt(length));
  return at + 10;
}

/** The size of the text frames for `lines` (LF-ended lines, each a frame without its LF). */
function framedLength(lines: Uint8Array): number {
  let total = 0;
  for (let start = 0; start < lines.length; ) {
    const end = lines.indexOf(LF, start);
    const length = (end === -1 ? lines.length : end) - start;
    total += headerLength(length) + length;
    start = end === -1 ? lines.length : end + 1;
  }
  return total;
}

function writeFrames(lines: Uint8Array, into: Uint8Array): void {
  let at = 0;
  for (let start = 0; start < lines.length; ) {
    const end = lines.indexOf(LF, start);
    const stop = end === -1 ? lines.length : end;
    at = writeHeader(into, at, FIN_TEXT, stop - start);
    into.set(lines.subarray(start, stop), at);
    at += stop - start;
    start = stop + 1;
  }
}

/** A close frame with a status code and a reason (at most 123 bytes of UTF-8). */
export function closeFrame(code: number, reason = ""): Buffer {
  const text = Buffer.from(reason);
  const frame = Buffer.allocUnsafe(2 + 2 + text.length);
  writeHeader(frame, 0, FIN_CLOSE, 2 + text.length);
  frame.writeUInt16BE(code, 2);
  text.copy(frame, 4);
  return frame;
}

/**
 * The line protocol over WebSocket: each line becomes one text frame, the
 * LF left out. A line many connections are sent is framed once: a line to
 * everyone into shared slabs of its own (so that a recipient's frames stay
 * contiguous, as its lines do over TCP), a line to a group or a user into
 * memory of its own; the frames are kept for as long as the same line is
 * being delivered (a broadcast hands it to every recipient in turn).
 */
export class TextFrames {
  private readonly shared = new SharedLines();
  private lastLines: Uint8Array | null = null;
  private lastFrames: Buffer | null = null;

  encode(lines: Uint8Array): Buffer {
    if (lines === this.lastLines) return this.lastFrames!;
    const length = framedLength(lines);
    let frames: Buffer;
    if (sharedSlab(lines) !== undefined) frames = this.shared.allocate(length);
    else if (lines.byteLength === lines.buffer.byteLength) frames = Buffer.allocUnsafeSlow(length);
    else {
      // A reply to one connection: nobody else will ask for it.
      frames = Buffer.allocUnsafe(length);
      writeFrames(lines, frames);
      return frames;
    }
    writeFrames(lines, frames);
    this.lastLines = lines;
    this.lastFrames = frames;
    return frames;
  }
}

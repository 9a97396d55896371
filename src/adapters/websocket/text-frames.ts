import { rendererId, type ChatEvent, type Renderer } from "../../core/events";
import { SharedLines, sharedSlab } from "../wire/shared-lines";

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
 * LF left out. Lines to everyone are framed into shared slabs of their own
 * (so that a recipient's frames stay contiguous, as its lines do over
 * TCP); other lines many may be sent (to a group, a user) into memory of
 * their own; a reply to one connection anywhere.
 */
export class TextFrames {
  private readonly shared = new SharedLines();

  encode(lines: Uint8Array): Buffer {
    const length = framedLength(lines);
    const frames =
      sharedSlab(lines) !== undefined
        ? this.shared.allocate(length)
        : lines.byteLength === lines.buffer.byteLength
          ? Buffer.allocUnsafeSlow(length)
          : Buffer.allocUnsafe(length);
    writeFrames(lines, frames);
    return frames;
  }
}

/** Events as a renderer of lines renders them (the line protocol's, the JSON API's), in text frames: rendered once for every WebSocket recipient. */
export class FrameRenderer implements Renderer {
  readonly id = rendererId();
  readonly showsLogins: boolean;

  constructor(
    private readonly lines: Renderer,
    private readonly frames: TextFrames,
  ) {
    this.showsLogins = lines.showsLogins;
  }

  render(event: ChatEvent): Uint8Array | null {
    const lines = this.lines.render(event);
    return lines === null ? null : this.frames.encode(lines);
  }
}

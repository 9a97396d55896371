import type { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { Timer } from "../../core/ports/clock.port";
import { sharedSlab, type SharedLines } from "../wire/shared-lines";
import type { Flushable, WriteBatcher } from "./write-batcher";

/**
 * After we close, how long the peer gets to read our last lines and close
 * its side before the socket is destroyed.
 */
const LINGER_MS = 2000;

/**
 * Output is handed to the socket in batches of at most this many bytes
 * (or one piece, if larger): what the kernel does not take waits in Node,
 * so this bounds what Node holds for a connection that stopped reading.
 */
const BATCH_BYTES = 64 * 1024;

/**
 * Pieces smaller than this are copied together into one buffer when a
 * batch has several: a copy of a few small lines costs less than a piece
 * each in the kernel's write. Larger ones (a shared line, a merged range
 * of them, a long reply) go by reference, never copied per recipient.
 */
const COPY_BELOW = 1024;

/** A private copy made for one batch is at most this large. */
const COPY_BYTES = 16 * 1024;

/** Where a connection that is behind keeps copies of its small private lines. */
const SCRATCH_BYTES = 4096;

const EMPTY = Buffer.alloc(0);

/** A view of `length` bytes of `piece`'s memory from its start, as a Buffer (what sockets take without wrapping). */
function viewOf(piece: Uint8Array, length: number): Buffer {
  return Buffer.from(piece.buffer, piece.byteOffset, length);
}

/** A slice of a larger buffer that is not shared: a private line in Node's pool, say. */
function isPrivateSlice(bytes: Uint8Array): boolean {
  return bytes.byteLength !== bytes.buffer.byteLength && sharedSlab(bytes) === undefined;
}

/** Where the output stands. */
const enum Output {
  /** Nothing waits here (Node may still be writing to the kernel). */
  Idle,
  /** Output waits for the end of this event-loop turn. */
  Queued,
  /** Node holds bytes the kernel did not take; what comes meanwhile waits here until Node has written them. */
  Backlogged,
}

/** Where the connection's life stands. */
export const enum Life {
  Open,
  /** Closing: the output still here is written, then FIN. */
  Ending,
  /** FIN sent (or the socket destroyed): nothing more is written. */
  Ended,
}

/**
 * The output side of a connection over a `node:net` (or `node:tls`) socket,
 * whatever its protocol: TCP lines, WebSocket frames.
 *
 * Output is queued for the end of the event-loop turn and handed over in
 * one write. Lines shared by many connections are queued by reference, and
 * consecutive ones that lie next to each other in memory (see
 * core/protocol/shared-lines) are merged into one range: a turn of
 * broadcasts is one write of one view, with no copy for this recipient.
 *
 * Node is handed one batch at a time: while it holds bytes the kernel did
 * not take (a slow reader), what comes next waits here, as references, and
 * a slow reader's small private lines are copied into a scratch buffer of
 * its own rather than kept as slices of Node's shared pool, which would keep
 * whole pool slabs alive. `pendingBytes` counts everything that waits, in
 * this queue and in Node, and the span of shared memory the queue keeps
 * alive: what this connection costs in memory.
 */
export class SocketOutput implements Flushable {
  protected life = Life.Open;
  private output = Output.Idle;
  /** Pieces of output not yet handed to Node, before the open range; null when none. */
  private pieces: Uint8Array[] | null = null;
  /** The open range: its first piece, and where in that piece's memory the range ends. */
  private run: Uint8Array | null = null;
  private runEnd = 0;
  /** The open range is of shared lines (so `sharedEnd` is its end). */
  private runShared = false;
  /** Bytes in `pieces` and the open range. */
  private queuedBytes = 0;
  /** Shared memory between the queued shared lines that this connection keeps alive without being sent it. */
  private gapBytes = 0;
  /** Position just after the last shared byte queued or held by Node, in which sequence, for the gaps; -1 when none is. */
  private sharedEnd = -1;
  private sharedLines: SharedLines | null = null;
  private scratch: Buffer | null = null;
  private scratchUsed = 0;
  private linger: Timer | null = null;
  private onWritten: (() => void) | null = null;

  constructor(
    protected readonly socket: Socket,
    private readonly batcher: WriteBatcher,
  ) {}

  /** Whether the peer's connection to this server is encrypted (TLS); what a proxy in front of it was told is not known here. */
  get secure(): boolean {
    return this.socket instanceof TLSSocket;
  }

  /** Queues bytes, written at the end of this event-loop turn; never changed afterwards, they may be kept by reference. */
  queue(bytes: Uint8Array): void {
    if (this.life !== Life.Open) return;
    const length = bytes.byteLength;
    const run = this.run;
    if (run !== null && run.buffer === bytes.buffer && this.runEnd === bytes.byteOffset) {
      // Right after the open range in memory: the range grows, nothing is allocated.
      this.runEnd += length;
      if (this.runShared) this.sharedEnd += length;
    } else {
      const slab = sharedSlab(bytes);
      if (slab !== undefined) {
        const position = slab.start + bytes.byteOffset;
        if (slab.lines === this.sharedLines && this.sharedEnd >= 0 && position > this.sharedEnd) this.gapBytes += position - this.sharedEnd;
        this.sharedLines = slab.lines;
        this.sharedEnd = position + length;
        this.startRun(bytes);
        this.runShared = true;
      } else if (this.output === Output.Backlogged && isPrivateSlice(bytes)) {
        this.keepCopy(bytes);
      } else {
        this.startRun(bytes);
      }
    }
    this.queuedBytes += length;
    if (this.output === Output.Idle) {
      this.output = Output.Queued;
      this.batcher.defer(this);
    }
  }

  get pendingBytes(): number {
    return this.queuedBytes + this.gapBytes + this.socket.writableLength;
  }

  /** Hands what is queued to Node, a batch at a time, until the kernel stops taking it. */
  flush(): void {
    if (this.output === Output.Backlogged) return; // written() goes on once Node has written its part
    this.output = Output.Idle;
    const socket = this.socket;
    if (socket.destroyed) return this.dropQueue();
    while (this.queuedBytes > 0) {
      this.writeBatch();
      if (socket.writableLength > 0) {
        // The kernel took part of it: the rest waits in Node, and what
        // comes meanwhile waits here, until Node has written it all.
        this.output = Output.Backlogged;
        socket.write(EMPTY, (this.onWritten ??= () => this.written()));
        return;
      }
    }
    // Everything is in the kernel: nothing here keeps memory alive.
    this.sharedEnd = -1;
    this.scratch = null;
    if (this.life === Life.Ending) {
      this.life = Life.Ended;
      this.finish();
    }
  }

  /** Everything queued before `close` has been handed over: ends the connection (a protocol may say goodbye first). */
  protected finish(): void {
    this.socket.end();
  }

  /**
   * Sends what is queued, then `last` if given (a protocol's closing
   * message), then FIN. Reading goes on, and is ignored, until the peer
   * closes too or the linger runs out: closing a socket with unread input
   * makes the kernel send a reset, which can destroy our last lines before
   * the peer reads them.
   */
  close(last?: Uint8Array): void {
    if (this.life !== Life.Open) return;
    if (last !== undefined) this.queue(last);
    this.life = Life.Ending;
    this.startLinger();
    this.flush();
  }

  /**
   * Drops what waits here and closes. Without a `farewell`, at once. With
   * one, it is written after what Node holds, and the socket closes once
   * the peer has it, or after the linger.
   */
  destroyWith(farewell?: Uint8Array): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    this.dropQueue();
    if (farewell === undefined) {
      this.life = Life.Ended;
      socket.destroy();
      return;
    }
    if (this.life === Life.Ended) return;
    socket.write(farewell);
    if (socket.writableLength === 0) {
      // The kernel has it: it is sent before the connection closes.
      this.life = Life.Ended;
      socket.destroy();
      return;
    }
    // Behind what Node still holds: sent if the peer reads it within the linger.
    this.life = Life.Ended;
    this.output = Output.Idle;
    this.startLinger();
    socket.end();
  }

  /** The socket closed: stop lingering, let go of what waits. */
  protected socketClosed(): void {
    this.linger?.cancel();
    this.dropQueue();
  }

  private startLinger(): void {
    if (this.linger !== null) return;
    this.socket.resume();
    this.linger = this.batcher.clock.schedule(LINGER_MS, () => this.socket.destroy());
  }

  /** Node has written everything it held to the kernel. */
  private written(): void {
    if (this.output !== Output.Backlogged) return;
    this.output = Output.Idle;
    this.flush();
  }

  private startRun(bytes: Uint8Array): void {
    this.closeRun();
    this.run = bytes;
    this.runEnd = bytes.byteOffset + bytes.byteLength;
    this.runShared = false;
  }

  /** Turns the open range into a piece of the queue. */
  private closeRun(): void {
    const run = this.run;
    if (run === null) return;
    this.run = null;
    const length = this.runEnd - run.byteOffset;
    const piece = length === run.byteLength ? run : viewOf(run, length);
    (this.pieces ??= []).push(piece);
  }

  /** A small private line for a connection that is behind: copied into its own scratch buffer. */
  private keepCopy(bytes: Uint8Array): void {
    const length = bytes.byteLength;
    let scratch = this.scratch;
    if (scratch === null || scratch.length - this.scratchUsed < length) {
      scratch = this.scratch = Buffer.allocUnsafeSlow(Math.max(SCRATCH_BYTES, length));
      this.scratchUsed = 0;
    }
    const at = this.scratchUsed;
    scratch.set(bytes, at);
    this.scratchUsed = at + length;
    const run = this.run;
    if (run !== null && run.buffer === scratch.buffer && this.runEnd === at) this.runEnd += length;
    else this.startRun(scratch.subarray(at, at + length));
  }

  /** Hands Node one batch from the front of the queue: one write, or one writev of several pieces. */
  private writeBatch(): void {
    const socket = this.socket;
    const pieces = this.pieces;
    if (pieces === null) {
      // The common case: one range (a turn of broadcasts, a reply), written as it is.
      const run = this.run!;
      const piece = viewOf(run, this.runEnd - run.byteOffset);
      this.run = null;
      this.queuedBytes = 0;
      this.gapBytes = 0;
      socket.write(piece);
      return;
    }
    this.closeRun();
    const parts: Uint8Array[] = [];
    let taken = 0;
    let batchBytes = 0;
    let copyBytes = 0;
    let group: Uint8Array[] = [];
    let groupBytes = 0;
    const endGroup = (): void => {
      if (group.length === 1) parts.push(group[0]!);
      else if (group.length > 1) parts.push(Buffer.concat(group, groupBytes));
      group = [];
      groupBytes = 0;
    };
    for (; taken < pieces.length; taken++) {
      const piece = pieces[taken]!;
      const length = piece.byteLength;
      if (taken > 0 && batchBytes + length > BATCH_BYTES) break;
      if (length < COPY_BELOW) {
        if (taken > 0 && copyBytes + length > COPY_BYTES) break;
        copyBytes += length;
        group.push(piece);
        groupBytes += length;
      } else {
        endGroup();
        parts.push(piece);
      }
      batchBytes += length;
    }
    endGroup();
    if (taken === pieces.length) {
      this.pieces = null;
      this.queuedBytes = 0;
      this.gapBytes = 0;
    } else {
      pieces.splice(0, taken);
      this.queuedBytes -= batchBytes;
    }
    if (parts.length === 1) {
      socket.write(parts[0]!);
      return;
    }
    socket.cork();
    for (const part of parts) socket.write(part);
    socket.uncork();
  }

  private dropQueue(): void {
    this.pieces = null;
    this.run = null;
    this.queuedBytes = 0;
    this.gapBytes = 0;
    this.sharedEnd = -1;
    this.scratch = null;
  }
}

import type { Socket } from "node:net";
import type { Connection, ConnectionHandler } from "../../core/ports/transport.port";
import type { Flushable, WriteBatcher } from "./write-batcher";

/**
 * After we close, how long the peer gets to read our last lines and close
 * its side before the socket is destroyed.
 */
const LINGER_MS = 2000;

function destroySocket(socket: Socket): void {
  socket.destroy();
}

/** A `node:net` socket as a core Connection, with writes batched per event-loop turn. */
export class NetConnection implements Connection, Flushable {
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;
  private closing = false;
  private error: Error | undefined;
  private linger: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: Socket,
    readonly remoteAddress: string,
    private readonly batcher: WriteBatcher,
  ) {}

  /** Starts passing the socket's events to `handler`. */
  attach(handler: ConnectionHandler): void {
    const socket = this.socket;
    socket.on("data", (chunk: Buffer) => {
      if (!this.closing) handler.onData(chunk);
    });
    socket.on("end", () => {
      if (!this.closing) handler.onEnd();
    });
    socket.on("error", (error: Error) => {
      this.error = error;
    });
    socket.on("close", () => {
      if (this.linger !== null) clearTimeout(this.linger);
      // Once we chose to close, a reset on the way out is not the peer's fault.
      handler.onClose(this.closing ? undefined : this.error);
    });
  }

  send(bytes: Uint8Array): void {
    if (this.closing) return;
    if (this.queuedBytes === 0) this.batcher.defer(this);
    this.queued.push(bytes);
    this.queuedBytes += bytes.byteLength;
  }

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  flush(): void {
    if (this.queuedBytes === 0) return;
    const queued = this.queued;
    const chunk = queued.length === 1 ? queued[0]! : Buffer.concat(queued, this.queuedBytes);
    this.queued = [];
    this.queuedBytes = 0;
    if (!this.socket.destroyed) this.socket.write(chunk);
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (!this.closing) this.socket.resume();
  }

  close(): void {
    if (this.closing) return;
    this.flush();
    this.closing = true;
    this.socket.end();
    // Keep reading (and ignoring) until the peer closes too: closing a socket
    // with unread input makes the kernel send a reset, which can destroy our
    // last lines before the peer reads them.
    this.socket.resume();
    this.linger = setTimeout(destroySocket, LINGER_MS, this.socket);
    this.linger.unref();
  }

  destroy(farewell?: Uint8Array): void {
    if (this.socket.destroyed) return;
    this.closing = true;
    this.queued = [];
    this.queuedBytes = 0;
    // Written only if the kernel takes it at once; destroy() drops anything still queued.
    if (farewell !== undefined && this.socket.writableLength === 0) this.socket.write(farewell);
    this.socket.destroy();
  }
}

import type { Socket } from "node:net";
import type { Connection, ConnectionHandler } from "../../core/ports/transport.port";
import type { Flushable, WriteBatcher } from "./write-batcher";

/**
 * After we close, how long the peer gets to read our last lines and close
 * its side before the socket is destroyed.
 */
const LINGER_MS = 2000;

/** Where a socket's listeners find their connection. */
const CONNECTION = Symbol("connection");

interface ConnectedSocket extends Socket {
  [CONNECTION]: NetConnection;
}

// One set of listener functions for every socket, finding the connection
// through the socket, instead of four closures per connection: memory per
// idle client is one of the figures this server is measured by.
function onSocketData(this: ConnectedSocket, chunk: Buffer): void {
  this[CONNECTION].received(chunk);
}

function onSocketEnd(this: ConnectedSocket): void {
  this[CONNECTION].ended();
}

function onSocketError(this: ConnectedSocket, error: Error): void {
  this[CONNECTION].failed(error);
}

function onSocketClose(this: ConnectedSocket): void {
  this[CONNECTION].closed();
}

function destroySocket(socket: Socket): void {
  socket.destroy();
}

/** A `node:net` socket as a core Connection, with writes batched per event-loop turn. */
export class NetConnection implements Connection, Flushable {
  private handler: ConnectionHandler | null = null;
  /** Output of this turn, not yet written: one buffer, or several once a second comes. */
  private queued: Uint8Array | Uint8Array[] | null = null;
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
    this.handler = handler;
    const socket = this.socket as ConnectedSocket;
    socket[CONNECTION] = this;
    socket.on("data", onSocketData);
    socket.on("end", onSocketEnd);
    socket.on("error", onSocketError);
    socket.on("close", onSocketClose);
  }

  send(bytes: Uint8Array): void {
    if (this.closing) return;
    const queued = this.queued;
    if (queued === null) {
      this.queued = bytes;
      this.batcher.defer(this);
    } else if (Array.isArray(queued)) {
      queued.push(bytes);
    } else {
      this.queued = [queued, bytes];
    }
    this.queuedBytes += bytes.byteLength;
  }

  get pendingBytes(): number {
    return this.socket.writableLength;
  }

  flush(): void {
    const queued = this.queued;
    if (queued === null) return;
    this.queued = null;
    const chunk = Array.isArray(queued) ? Buffer.concat(queued, this.queuedBytes) : queued;
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
    this.queued = null;
    this.queuedBytes = 0;
    // Written only if the kernel takes it at once; destroy() drops anything still queued.
    if (farewell !== undefined && this.socket.writableLength === 0) this.socket.write(farewell);
    this.socket.destroy();
  }

  /** @internal socket events */
  received(chunk: Buffer): void {
    if (!this.closing) this.handler!.onData(chunk);
  }

  /** @internal */
  ended(): void {
    if (!this.closing) this.handler!.onEnd();
  }

  /** @internal */
  failed(error: Error): void {
    this.error = error;
  }

  /** @internal */
  closed(): void {
    if (this.linger !== null) clearTimeout(this.linger);
    // Once we chose to close, a reset on the way out is not the peer's fault.
    this.handler!.onClose(this.closing ? undefined : this.error);
  }
}

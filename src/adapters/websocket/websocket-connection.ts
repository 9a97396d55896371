import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { Farewell } from "../../core/language";
import type { Renderer } from "../../core/events";
import type { Connection, ConnectionCodec, ConnectionHandler } from "../../core/ports/transport.port";
import { Life, SocketOutput } from "../socket/socket-output";
import type { WriteBatcher } from "../socket/write-batcher";
import { closeFrame, type TextFrames } from "./text-frames";

const NORMAL = 1000;

/** Where a WebSocket's listeners find their connection. */
const CONNECTION = Symbol("connection");

interface ConnectedWebSocket extends WebSocket {
  [CONNECTION]: WebSocketConnectionBase;
}

// One set of listener functions for every WebSocket, as for sockets.
function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  (this as ConnectedWebSocket)[CONNECTION].received(data, isBinary);
}

function onError(this: WebSocket, error: Error): void {
  (this as ConnectedWebSocket)[CONNECTION].failed(error);
}

function onClose(this: WebSocket): void {
  (this as ConnectedWebSocket)[CONNECTION].closed();
}

/**
 * A WebSocket as a core Connection: `ws` reads and answers control frames;
 * the text frames out are written by this connection, framed once for all
 * its recipients (TextFrames), with the same queue, accounting and
 * batching as a TCP connection (SocketOutput). What a frame in means is the
 * door's (`take`): a line of the line protocol (`/ws`), a JSON command
 * (`/api`).
 */
export abstract class WebSocketConnectionBase extends SocketOutput implements Connection {
  protected handler: ConnectionHandler | null = null;
  private error: Error | undefined;
  abstract readonly codec: ConnectionCodec;

  constructor(
    protected readonly ws: WebSocket,
    socket: Socket,
    readonly remoteAddress: string,
    batcher: WriteBatcher,
    private readonly frames: TextFrames,
    readonly renderer: Renderer,
    readonly account: string | undefined,
  ) {
    super(socket, batcher);
  }

  attach(handler: ConnectionHandler): void {
    this.handler = handler;
    const ws = this.ws as ConnectedWebSocket;
    ws[CONNECTION] = this;
    ws.on("message", onMessage);
    ws.on("error", onError);
    ws.on("close", onClose);
  }

  /** Replies are lines (LF-ended), each sent as a text frame; so is a replay. */
  send(bytes: Uint8Array): void {
    this.queue(this.frames.encode(bytes));
  }

  sendRendered(bytes: Uint8Array): void {
    this.queue(bytes);
  }

  pauseReading(): void {
    this.ws.pause();
  }

  resumeReading(): void {
    if (this.life === Life.Open) this.ws.resume();
  }

  destroy(farewell?: Farewell): void {
    // The farewell as a text frame, then a close frame: the page learns why.
    const lines = farewell === undefined ? null : this.codec.encodeReply(farewell, true);
    this.destroyWith(lines === null ? undefined : Buffer.concat([this.frames.encode(lines), closeFrame(NORMAL)]));
  }

  /** Everything sent: the closing handshake, which `ws` runs (and bounds in time). */
  protected override finish(): void {
    this.ws.close(NORMAL);
  }

  /** A frame the client sent, while the connection is open: the door reads it. */
  protected abstract take(data: Buffer, isBinary: boolean): void;

  /** @internal */
  received(data: Buffer, isBinary: boolean): void {
    if (this.life === Life.Open) this.take(data, isBinary);
  }

  /** @internal */
  failed(error: Error): void {
    this.error = error;
  }

  /** @internal */
  closed(): void {
    this.socketClosed();
    this.handler!.onClose(this.life === Life.Open ? this.error : undefined);
  }
}

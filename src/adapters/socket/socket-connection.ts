import type { Socket } from "node:net";
import type { Renderer } from "../../core/events";
import type { Farewell } from "../../core/language";
import type { Connection, ConnectionCodec, ConnectionHandler } from "../../core/ports/transport.port";
import { Life, SocketOutput } from "./socket-output";
import type { WriteBatcher } from "./write-batcher";

/** Where a socket's listeners find their connection. */
const CONNECTION = Symbol("connection");

interface ConnectedSocket extends Socket {
  [CONNECTION]: SocketConnection;
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

/**
 * A core Connection over a socket whose bytes its protocol reads itself
 * (the line protocol, IRC): the socket's events go to `received`, `ended`,
 * `failed`, `closed`; the protocol's codec is the subclass's.
 */
export abstract class SocketConnection extends SocketOutput implements Connection {
  protected handler: ConnectionHandler | null = null;
  private error: Error | undefined;

  constructor(
    socket: Socket,
    readonly remoteAddress: string,
    batcher: WriteBatcher,
    readonly renderer: Renderer,
  ) {
    super(socket, batcher);
  }

  abstract readonly codec: ConnectionCodec;
  abstract send(bytes: Uint8Array): void;
  abstract destroy(farewell?: Farewell): void;

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

  sendRendered(bytes: Uint8Array): void {
    this.queue(bytes);
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    if (this.life === Life.Open) this.socket.resume();
  }

  /** @internal socket events */
  abstract received(chunk: Buffer): void;

  /** @internal The peer sent all it will: the subclass reads what is left of its input first. */
  ended(): void {
    if (this.life === Life.Open) this.handler!.onEnd();
  }

  /** @internal */
  failed(error: Error): void {
    this.error = error;
  }

  /** @internal */
  closed(): void {
    this.socketClosed();
    // Once we chose to close, a reset on the way out is not the peer's fault.
    this.handler!.onClose(this.life === Life.Open ? this.error : undefined);
  }
}

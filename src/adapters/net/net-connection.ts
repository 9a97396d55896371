import { SocketConnection } from "./socket-connection";
import { Life } from "./socket-output";

/** A `node:net` (or `node:tls`) socket carrying the line protocol as a core Connection: bytes in, bytes out. */
export class NetConnection extends SocketConnection {
  send(bytes: Uint8Array): void {
    this.queue(bytes);
  }

  /** @internal */
  received(chunk: Buffer): void {
    if (this.life === Life.Open) this.handler!.onData(chunk);
  }
}

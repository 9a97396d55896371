import type { Socket } from "node:net";
import type { Farewell } from "../../core/language";
import type { LineCodec, LineInput } from "../line/line-codec";
import { SocketConnection } from "../socket/socket-connection";
import { Life } from "../socket/socket-output";
import type { WriteBatcher } from "../socket/write-batcher";

/** A `node:net` (or `node:tls`) socket carrying the line protocol as a core Connection. */
export class NetConnection extends SocketConnection {
  readonly codec: LineInput;

  constructor(socket: Socket, remoteAddress: string, batcher: WriteBatcher, lines: LineCodec) {
    super(socket, remoteAddress, batcher, lines.renderer);
    this.codec = lines.input();
  }

  send(bytes: Uint8Array): void {
    this.queue(bytes);
  }

  destroy(farewell?: Farewell): void {
    this.destroyWith(farewell === undefined ? undefined : (this.codec.encodeReply(farewell) ?? undefined));
  }

  /** @internal */
  received(chunk: Buffer): void {
    if (this.life !== Life.Open) return;
    this.codec.push(chunk);
    this.handler!.onInput();
  }

  /** @internal */
  override ended(): void {
    this.codec.endOfInput();
    super.ended();
  }
}

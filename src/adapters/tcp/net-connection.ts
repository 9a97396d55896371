import type { Socket } from "node:net";
import type { CommandInput, ErrorReply, Farewell, Reply } from "../../core/language";
import type { Renderer } from "../../core/events";
import type { LineCodec, LineInput } from "../line/line-codec";
import { SocketConnection } from "../socket/socket-connection";
import { Life } from "../socket/socket-output";
import type { WriteBatcher } from "../socket/write-batcher";

/** A `node:net` (or `node:tls`) socket carrying the line protocol as a core Connection. */
export class NetConnection extends SocketConnection {
  private readonly input: LineInput;

  constructor(
    socket: Socket,
    remoteAddress: string,
    batcher: WriteBatcher,
    private readonly codec: LineCodec,
  ) {
    super(socket, remoteAddress, batcher, codec.renderer);
    this.input = codec.input();
  }

  get resumeRenderer(): Renderer {
    return this.codec.renderer;
  }

  nextCommand(): CommandInput | ErrorReply | null {
    return this.input.next();
  }

  encodeReply(reply: Reply): Uint8Array | null {
    return this.codec.encodeReply(reply);
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
    this.input.push(chunk);
    this.handler!.onInput();
  }

  /** @internal */
  override ended(): void {
    this.input.endOfInput();
    super.ended();
  }
}

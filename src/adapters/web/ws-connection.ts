import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { Renderer } from "../../core/events";
import type { LineCodec, LineInput } from "../line/line-codec";
import type { WriteBatcher } from "../socket/write-batcher";
import type { TextFrames } from "../websocket/text-frames";
import { WebSocketConnectionBase } from "../websocket/websocket-connection";

const LF = Buffer.from("\n");
const UNSUPPORTED_DATA = 1003;

/** A WebSocket carrying the line protocol (`/ws`): a text frame in is a line, its text read by the same decoder as a TCP line. */
export class WebSocketConnection extends WebSocketConnectionBase {
  readonly codec: LineInput;

  constructor(ws: WebSocket, socket: Socket, remoteAddress: string, batcher: WriteBatcher, frames: TextFrames, renderer: Renderer, lines: LineCodec) {
    super(ws, socket, remoteAddress, batcher, frames, renderer);
    // Its replies are lines, framed as they are sent (`send`); so is a replay, which may come from a TCP session.
    this.codec = lines.input();
  }

  protected take(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.ws.close(UNSUPPORTED_DATA, "binary frames are not accepted: send each line as a text frame");
      return;
    }
    this.codec.push(data);
    this.codec.push(LF);
    this.handler!.onInput();
  }
}

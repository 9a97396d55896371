import type { Renderer } from "../../core/events";
import type { LineCodec, LineInput } from "../line/line-codec";
import type { TextFrames } from "../websocket/text-frames";
import { WebSocketConnectionBase } from "../websocket/websocket-connection";
import type { OpenedWebSocket } from "../websocket/websocket-door";

const LF = Buffer.from("\n");
const UNSUPPORTED_DATA = 1003;

/** A WebSocket carrying the line protocol (`/ws`): a text frame in is a line, its text read by the same decoder as a TCP line. */
export class WebSocketConnection extends WebSocketConnectionBase {
  readonly codec: LineInput;

  constructor({ ws, socket, remoteAddress, batcher, account }: OpenedWebSocket, frames: TextFrames, renderer: Renderer, lines: LineCodec) {
    super(ws, socket, remoteAddress, batcher, frames, renderer, account);
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

import type { ConnectionAcceptor } from "../../core/ports/transport.port";
import { FrameRenderer, TextFrames } from "../websocket/text-frames";
import { WebSocketConnectionBase } from "../websocket/websocket-connection";
import type { OpenedWebSocket, WebSocketDoor } from "../websocket/websocket-door";
import { JsonCodec, type JsonInput } from "./json-codec";

/** Where the web port serves the JSON API. */
export const JSON_API_PATH = "/api";

/** What every JSON connection of a server shares: the codec, and its events framed once for all of them. */
class JsonDoor {
  readonly codec: JsonCodec;
  readonly frames = new TextFrames();
  readonly renderer: FrameRenderer;

  constructor(acceptor: ConnectionAcceptor) {
    this.codec = new JsonCodec(acceptor.syntax, acceptor.pluginEvents, acceptor.maxLineBytes);
    this.renderer = new FrameRenderer(this.codec.renderer, this.frames);
  }
}

/**
 * A WebSocket speaking the JSON API (docs/API.md): a text frame in is a
 * JSON object, a command; each reply and event out is a text frame with a
 * JSON object. Whatever a frame gets wrong (binary, too long, not JSON ...)
 * is answered with a typed error, and the connection goes on.
 */
export class JsonConnection extends WebSocketConnectionBase {
  readonly codec: JsonInput;

  constructor({ ws, socket, remoteAddress, batcher, account }: OpenedWebSocket, door: JsonDoor) {
    super(ws, socket, remoteAddress, batcher, door.frames, door.renderer, account);
    this.codec = door.codec.input();
  }

  protected take(data: Buffer, isBinary: boolean): void {
    this.codec.push(isBinary ? null : data);
    this.handler!.onInput();
  }
}

const doors = new WeakMap<ConnectionAcceptor, JsonDoor>();

/** The JSON API as a door of the web port (WebTransportOptions.doors, at JSON_API_PATH). */
export const openJsonConnection: WebSocketDoor = (opened, acceptor) => {
  let door = doors.get(acceptor);
  if (door === undefined) doors.set(acceptor, (door = new JsonDoor(acceptor)));
  return new JsonConnection(opened, door);
};

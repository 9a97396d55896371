import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import type { Connection, ConnectionAcceptor, ConnectionHandler } from "../../core/ports/transport.port";
import type { WriteBatcher } from "../socket/write-batcher";

/** A WebSocket the web transport opened (admitted, its origin checked, upgraded) for a door at a path of its own. */
export interface OpenedWebSocket {
  readonly ws: WebSocket;
  /** The TCP (or TLS) socket under it, which the connection writes its frames to. */
  readonly socket: Socket;
  /** The client's address, as the limits count it (behind a trusted proxy, the one it names). */
  readonly remoteAddress: string;
  readonly batcher: WriteBatcher;
  /** The account the request's sign-in cookie signs in to (see Connection.account), if any. */
  readonly account: string | undefined;
}

/** A door on the web port: its connection over a WebSocket opened at its path, for the core (`acceptor`) to take over once attached. */
export type WebSocketDoor = (opened: OpenedWebSocket, acceptor: ConnectionAcceptor) => Connection & { attach(handler: ConnectionHandler): void };

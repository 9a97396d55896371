import type { PluginEventData, Renderer } from "../events";

/** The text of a plugin's own event in a protocol ("line", "irc"), or null. */
export interface PluginEventRendering {
  render(plugin: string, name: string, protocol: "line" | "irc", data: PluginEventData): string | null;
}

/**
 * One client connection, as a transport (TCP, TLS, WebSocket, IRC,
 * in-memory ...) offers it to the core. In: bytes of lines of the line
 * protocol (a transport of another protocol translates its commands into
 * them). Out: replies in the same words, and events, which the
 * connection's renderer turns into its protocol.
 */
export interface Connection {
  /** The peer's address as text, for limits and logs. */
  readonly remoteAddress: string;
  /**
   * Queues a reply (lines of the line protocol, LF-ended) for the peer, in
   * its protocol. A transport may coalesce the sends of one event-loop turn
   * into one write; order is kept. The bytes may be shared
   * with other connections and are never changed afterwards: a transport
   * may keep a reference instead of a copy.
   */
  send(bytes: Uint8Array): void;
  /** How events are rendered for this connection: its protocol's renderer. */
  readonly renderer: Renderer;
  /** Queues bytes `renderer` rendered (shared with other connections, never changed afterwards). */
  sendRendered(bytes: Uint8Array): void;
  /**
   * The line last given to the handler has been handled (its command done):
   * for a transport that translates another protocol into lines, and needs
   * to know which answers belong to which line.
   */
  lineHandled?(): void;
  /**
   * What this connection's output costs the process now: every byte sent
   * that the peer has not taken yet and that waits in this process, this
   * turn's included (and, where the transport keeps shared memory alive for
   * it, that memory). The core checks it before each send, against the
   * send-queue limit.
   */
  readonly pendingBytes: number;
  /** Stops delivering data to the handler until `resumeReading`. */
  pauseReading(): void;
  resumeReading(): void;
  /** Sends what is queued, then closes. `onClose` follows. */
  close(): void;
  /**
   * Drops the output that waits in this process and closes. Without a
   * `farewell`, at once. With one, it is sent after what the peer was
   * already handed (the kernel's buffers, what the transport was writing),
   * and the connection closes once it is written, or after a short linger
   * if the peer does not read. `onClose` follows.
   */
  destroy(farewell?: Uint8Array): void;
}

/** What the core does with a connection's events. */
export interface ConnectionHandler {
  onData(chunk: Uint8Array): void;
  /** The peer will send nothing more; it may still read. */
  onEnd(): void;
  /** The connection is gone, for whatever reason. Called exactly once. */
  onClose(error?: Error): void;
}

/**
 * Why the core turns a new connection away. A transport that can still send
 * a line sends its farewell (`refusalLine`); one that cannot (a TLS
 * handshake not done) just closes.
 */
export type Refusal = "server-full" | "too-many-connections" | "connection-rate-exceeded" | "server-shutdown";

/**
 * How a transport hands connections to the core, in two steps, so that a
 * connection counts against the limits from its TCP accept, before any
 * handshake (TLS, WebSocket) has cost the server anything.
 */
export interface ConnectionAcceptor {
  /** The line protocol's rendering of events, for the transports that speak it. */
  readonly lineRenderer: Renderer;
  /** How plugins' own events look in a protocol, for transports that render events themselves. */
  readonly pluginEvents: PluginEventRendering;
  /**
   * A peer connected: counts it, by its address, against the connection
   * limits; null if admitted, else why not. An admitted connection is then
   * either opened or abandoned, exactly once. `perAddress` false counts it
   * in the total only: a trusted proxy's connection, whose client is known
   * (and admitted by its own address) only once its request is read.
   */
  admit(remoteAddress: string, perAddress?: boolean): Refusal | null;
  /** An admitted connection is ready (its handshake done): the core takes it over. */
  open(connection: Connection): ConnectionHandler;
  /**
   * An admitted connection that will never open: its handshake failed or
   * took too long, or (null) it closed as it was meant to (a web page was
   * served on it), or it goes on under its client's address.
   */
  abandon(remoteAddress: string, reason: HandshakeFailure | null, perAddress?: boolean): void;
}

/** Why an admitted connection never opened. */
export type HandshakeFailure = "handshake-failed" | "handshake-timeout";

export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
}

/** A source of connections: a listening socket, or a fake in tests. */
export interface TransportPort {
  /** A short name for logs, such as "tcp". */
  readonly name: string;
  /** Starts accepting; resolves once listening. */
  listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress>;
  /** Stops accepting new connections; open ones are left to the core. */
  stopAccepting(): Promise<void>;
}

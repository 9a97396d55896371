/**
 * One client connection, as a transport (TCP, TLS, in-memory ...) offers it
 * to the core. Bytes in, bytes out; framing is the core's business.
 */
export interface Connection {
  /** The peer's address as text, for limits and logs. */
  readonly remoteAddress: string;
  /**
   * Queues bytes for the peer. A transport may coalesce the sends of one
   * event-loop turn into one write; order is kept.
   */
  send(bytes: Uint8Array): void;
  /**
   * Bytes sent in earlier event-loop turns that the peer has not taken yet
   * and that wait in this process. What the current turn sent is not
   * counted: a burst is not a slow reader.
   */
  readonly pendingBytes: number;
  /** Stops delivering data to the handler until `resumeReading`. */
  pauseReading(): void;
  resumeReading(): void;
  /** Sends what is queued, then closes. `onClose` follows. */
  close(): void;
  /**
   * Closes at once, dropping queued output; `farewell`, if given, is written
   * first on a best-effort basis. `onClose` follows.
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

/** Called by a transport for every accepted connection. */
export type ConnectionAcceptor = (connection: Connection) => ConnectionHandler;

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

import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import type { ClockPort } from "../../core/ports/clock.port";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { Connection, ConnectionAcceptor, ConnectionHandler, ListeningAddress, Refusal, TransportPort } from "../../core/ports/transport.port";
import { peerAddress, TcpListener } from "./listen";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, TlsHandshakes, secureContext, type TlsIdentity } from "./secure-accept";
import { WriteBatcher } from "./write-batcher";

export type { TlsIdentity } from "./secure-accept";

/** A protocol spoken over sockets: how a refused client is told, and how a connection is made. */
export interface SocketProtocol {
  /** For logs: "tcp" ("tls" over TLS), "irc" ("irc-tls") ... */
  readonly name: string;
  readonly tlsName: string;
  /** What a client over a limit is told before the socket closes (over plain TCP). */
  refusal(refusal: Refusal): Uint8Array;
  /** The connection for an accepted (and, over TLS, secured) socket, its events passed to the handler once attached. */
  connect(socket: Socket, address: string, batcher: WriteBatcher, acceptor: ConnectionAcceptor): Connection & { attach(handler: ConnectionHandler): void };
}

export interface SocketServerOptions {
  readonly port: number;
  /** Interface to listen on; all of them when omitted. */
  readonly host?: string;
  /** Serve TLS with this identity instead of plain TCP. */
  readonly tls?: TlsIdentity;
  /** How long a client has to complete its TLS handshake (default 5 s). */
  readonly handshakeTimeoutMs?: number;
  /** Time, for the handshake timeout and a closing connection's linger. */
  readonly clock: ClockPort;
}

/**
 * A door's protocol (the line protocol, IRC) over TCP through `node:net`, or
 * TLS over it: the same connections either way.
 *
 * Every connection is counted against the core's limits at the TCP accept,
 * before a TLS handshake costs anything: one over a limit is closed at once
 * (a plain one told why first). A TLS client then has a few seconds to
 * finish its handshake, or it is dropped and counted out.
 */
export class SocketServer implements TransportPort {
  readonly name: string;
  private readonly listener: TcpListener;
  private readonly batcher: WriteBatcher;
  private context: SecureContext | null;
  private readonly handshakes: TlsHandshakes;

  constructor(
    options: SocketServerOptions,
    private readonly logger: LoggerPort,
    private readonly protocol: SocketProtocol,
  ) {
    this.name = options.tls === undefined ? protocol.name : protocol.tlsName;
    this.listener = new TcpListener(options.port, options.host, logger, this.name);
    this.context = options.tls === undefined ? null : secureContext(options.tls);
    this.handshakes = new TlsHandshakes(options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, options.clock);
    this.batcher = new WriteBatcher(options.clock);
  }

  /** Serves new TLS connections with another identity (same settings); open ones keep theirs. */
  reloadIdentity(identity: TlsIdentity): void {
    if (this.context === null) throw new Error("this transport does not serve TLS");
    this.context = secureContext(identity);
  }

  listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress> {
    return this.listener.listen((socket) => this.accept(socket, acceptor));
  }

  stopAccepting(): Promise<void> {
    this.listener.close();
    this.handshakes.cancelAll();
    return Promise.resolve();
  }

  private accept(socket: Socket, acceptor: ConnectionAcceptor): void {
    const address = peerAddress(socket);
    const refusal = acceptor.admit(address);
    if (refusal !== null) {
      // A TLS client cannot read a line before its handshake, which is not worth doing for it.
      if (this.context === null) socket.end(this.protocol.refusal(refusal));
      socket.on("error", () => undefined);
      socket.destroySoon();
      return;
    }
    if (this.context === null) {
      this.open(socket, address, acceptor);
      return;
    }
    this.handshakes.accept(
      socket,
      this.context,
      (secure) => this.open(secure, address, acceptor),
      (reason, error) => {
        if (reason !== null) this.logger.debug({ remote: address, transport: this.name, reason, ...(error && { error: error.message }) }, "TLS handshake failed");
        acceptor.abandon(address, reason);
      },
    );
  }

  private open(socket: Socket, address: string, acceptor: ConnectionAcceptor): void {
    const connection = this.protocol.connect(socket, address, this.batcher, acceptor);
    connection.attach(acceptor.open(connection));
  }
}

import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { ConnectionAcceptor, ListeningAddress, TransportPort } from "../../core/ports/transport.port";
import { encodeLine, refusalLine } from "../../core/protocol/text";
import { peerAddress, TcpListener } from "./listen";
import { NetConnection } from "./net-connection";
import { acceptSecure, DEFAULT_HANDSHAKE_TIMEOUT_MS, secureContext, type TlsIdentity } from "./secure-accept";
import { WriteBatcher } from "./write-batcher";

export type { TlsIdentity } from "./secure-accept";

export interface NetTcpServerOptions {
  readonly port: number;
  /** Interface to listen on; all of them when omitted. */
  readonly host?: string;
  /** Serve TLS with this identity instead of plain TCP. */
  readonly tls?: TlsIdentity;
  /** How long a client has to complete its TLS handshake (default 5 s). */
  readonly handshakeTimeoutMs?: number;
}

/**
 * TCP through `node:net`, or TLS over it: the same connections either way.
 *
 * Every connection is counted against the core's limits at the TCP accept,
 * before a TLS handshake costs anything: one over a limit is closed at once
 * (a plain one told why first). A TLS client then has a few seconds to
 * finish its handshake, or it is dropped and counted out.
 */
export class NetTcpServer implements TransportPort {
  readonly name: string;
  private readonly listener: TcpListener;
  private readonly batcher = new WriteBatcher();
  private context: SecureContext | null;
  private readonly handshakeTimeoutMs: number;

  constructor(
    options: NetTcpServerOptions,
    private readonly logger: LoggerPort,
  ) {
    this.name = options.tls === undefined ? "tcp" : "tls";
    this.listener = new TcpListener(options.port, options.host, logger, this.name);
    this.context = options.tls === undefined ? null : secureContext(options.tls);
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
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
    return Promise.resolve();
  }

  private accept(socket: Socket, acceptor: ConnectionAcceptor): void {
    const address = peerAddress(socket);
    const refusal = acceptor.admit(address);
    if (refusal !== null) {
      // A TLS client cannot read a line before its handshake, which is not worth doing for it.
      if (this.context === null) socket.end(encodeLine(refusalLine(refusal)));
      socket.on("error", () => undefined);
      socket.destroySoon();
      return;
    }
    if (this.context === null) {
      this.open(socket, address, acceptor);
      return;
    }
    acceptSecure(
      socket,
      this.context,
      this.handshakeTimeoutMs,
      (secure) => this.open(secure, address, acceptor),
      (reason, error) => {
        this.logger.debug({ remote: address, transport: this.name, reason, ...(error && { error: error.message }) }, "TLS handshake failed");
        acceptor.abandon(address, reason);
      },
    );
  }

  private open(socket: Socket, address: string, acceptor: ConnectionAcceptor): void {
    const connection = new NetConnection(socket, address, this.batcher, acceptor.lineRenderer);
    connection.attach(acceptor.open(connection));
  }
}

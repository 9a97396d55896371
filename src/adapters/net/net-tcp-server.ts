import net, { type AddressInfo, type Server, type Socket } from "node:net";
import tls, { type SecureContext } from "node:tls";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { ConnectionAcceptor, ListeningAddress, TransportPort } from "../../core/ports/transport.port";
import { encodeLine, refusalLine } from "../../core/protocol/text";
import { NetConnection } from "./net-connection";
import { WriteBatcher } from "./write-batcher";

/** A certificate and its private key, PEM-encoded. */
export interface TlsIdentity {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export interface NetTcpServerOptions {
  readonly port: number;
  /** Interface to listen on; all of them when omitted. */
  readonly host?: string;
  /** Serve TLS with this identity instead of plain TCP. */
  readonly tls?: TlsIdentity;
  /** How long a client has to complete its TLS handshake (default 5 s). */
  readonly handshakeTimeoutMs?: number;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;

/**
 * Connections the kernel may hold before we accept them. Node's default of
 * 511 overflows when thousands of clients connect at once (a restart, a
 * load test): the overflow is silently dropped and the clients hang.
 * Linux caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/** The TLS settings every identity is served with, at start and after a reload alike. */
function secureContext(identity: TlsIdentity): SecureContext {
  return tls.createSecureContext({ ...identity, minVersion: "TLSv1.2" });
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
  private server: Server | null = null;
  private readonly batcher = new WriteBatcher();
  private context: SecureContext | null;
  private readonly handshakeTimeoutMs: number;

  constructor(
    private readonly options: NetTcpServerOptions,
    private readonly logger: LoggerPort,
  ) {
    this.name = options.tls === undefined ? "tcp" : "tls";
    this.context = options.tls === undefined ? null : secureContext(options.tls);
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  }

  /** Serves new TLS connections with another identity (same settings); open ones keep theirs. */
  reloadIdentity(identity: TlsIdentity): void {
    if (this.context === null) throw new Error("this transport does not serve TLS");
    this.context = secureContext(identity);
  }

  listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress> {
    // Half-open: a client that sends its last commands and shuts down its
    // side still gets the replies. Nagle off: a chat line should leave now.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket, acceptor));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: this.options.port, host: this.options.host, backlog: LISTEN_BACKLOG }, () => {
        server.off("error", reject);
        // Errors while running (EMFILE on accept, say) must not end the process.
        server.on("error", (error) => this.logger.error({ err: error, transport: this.name }, "accept failed"));
        const address = server.address() as AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  stopAccepting(): Promise<void> {
    // server.close() calls back only once every connection has ended; the
    // core closes those itself, so resolve as soon as no more are accepted.
    this.server?.close();
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
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.context });
    const timer = setTimeout(() => failed("handshake-timeout"), this.handshakeTimeoutMs);
    const failed = (reason: "handshake-failed" | "handshake-timeout", error?: Error): void => {
      clearTimeout(timer);
      secure.off("close", onClose);
      secure.destroy();
      this.logger.debug({ remote: address, transport: this.name, reason, ...(error && { error: error.message }) }, "TLS handshake failed");
      acceptor.abandon(address, reason);
    };
    const onError = (error: Error): void => failed("handshake-failed", error);
    const onClose = (): void => failed("handshake-failed");
    secure.once("error", onError);
    secure.once("close", onClose);
    secure.once("secure", () => {
      clearTimeout(timer);
      secure.off("error", onError);
      secure.off("close", onClose);
      this.open(secure, address, acceptor);
    });
  }

  private open(socket: Socket, address: string, acceptor: ConnectionAcceptor): void {
    const connection = new NetConnection(socket, address, this.batcher);
    connection.attach(acceptor.open(connection));
  }
}

/** The peer's address, an IPv4 client of a dual-stack socket shown as plain IPv4. */
function peerAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

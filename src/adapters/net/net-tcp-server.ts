import net, { type AddressInfo, type Server, type Socket } from "node:net";
import tls from "node:tls";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { ConnectionAcceptor, ListeningAddress, TransportPort } from "../../core/ports/transport.port";
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
}

/** A client has this long to complete its TLS handshake before it is dropped. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Connections the kernel may hold before we accept them. Node's default of
 * 511 overflows when thousands of clients connect at once (a restart, a
 * load test): the overflow is silently dropped and the clients hang.
 * Linux caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/** TCP through `node:net`, or TLS through `node:tls`: the same connections either way. */
export class NetTcpServer implements TransportPort {
  readonly name: string;
  private server: Server | null = null;
  private readonly batcher = new WriteBatcher();

  constructor(
    private readonly options: NetTcpServerOptions,
    private readonly logger: LoggerPort,
  ) {
    this.name = options.tls === undefined ? "tcp" : "tls";
  }

  /** Serves new TLS connections with another identity; open ones keep theirs. */
  reloadIdentity(identity: TlsIdentity): void {
    if (!(this.server instanceof tls.Server)) throw new Error("this transport does not serve TLS");
    this.server.setSecureContext({ cert: identity.cert, key: identity.key });
  }

  listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress> {
    // Half-open: a client that sends its last commands and shuts down its
    // side still gets the replies. Nagle off: a chat line should leave now.
    const settings = { allowHalfOpen: true, noDelay: true };
    const onConnection = (socket: Socket): void => this.accept(socket, acceptor);
    const identity = this.options.tls;
    const server =
      identity === undefined
        ? net.createServer(settings, onConnection)
        : tls
            .createServer({ ...settings, ...identity, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS }, onConnection)
            .on("tlsClientError", (error) => this.logger.debug({ err: error, transport: this.name }, "TLS handshake failed"));
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
    const connection = new NetConnection(socket, peerAddress(socket), this.batcher);
    connection.attach(acceptor(connection));
  }
}

/** The peer's address, an IPv4 client of a dual-stack socket shown as plain IPv4. */
function peerAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

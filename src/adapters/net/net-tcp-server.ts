import net, { type AddressInfo, type Server, type Socket } from "node:net";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { ConnectionAcceptor, ListeningAddress, TransportPort } from "../../core/ports/transport.port";
import { NetConnection } from "./net-connection";
import { WriteBatcher } from "./write-batcher";

export interface NetTcpServerOptions {
  readonly port: number;
  /** Interface to listen on; all of them when omitted. */
  readonly host?: string;
}

/**
 * Connections the kernel may hold before we accept them. Node's default of
 * 511 overflows when thousands of clients connect at once (a restart, a
 * load test): the overflow is silently dropped and the clients hang.
 * Linux caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/** Plain TCP through `node:net`. */
export class NetTcpServer implements TransportPort {
  readonly name = "tcp";
  private server: Server | null = null;
  private readonly batcher = new WriteBatcher();

  constructor(
    private readonly options: NetTcpServerOptions,
    private readonly logger: LoggerPort,
  ) {}

  listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress> {
    // Half-open: a client that sends its last commands and shuts down its
    // side still gets the replies. Nagle off: a chat line should leave now.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
      this.accept(socket, acceptor),
    );
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

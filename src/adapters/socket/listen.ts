import net, { type AddressInfo, type Server, type Socket } from "node:net";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { ListeningAddress } from "../../core/ports/transport.port";

/**
 * Connections the kernel may hold before we accept them. Node's default of
 * 511 overflows when thousands of clients connect at once (a restart, a
 * load test): the overflow is silently dropped and the clients hang.
 * Linux caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/**
 * The listening TCP socket of a transport: half-open (a client that sends
 * its last commands and shuts down its side still gets the replies), Nagle
 * off (a chat line should leave now). Errors once listening (EMFILE on
 * accept, say) are logged and must not end the process.
 */
export class TcpListener {
  private server: Server | null = null;

  constructor(
    private readonly port: number,
    private readonly host: string | undefined,
    private readonly logger: LoggerPort,
    private readonly transport: string,
  ) {}

  listen(accept: (socket: Socket) => void): Promise<ListeningAddress> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, accept);
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port: this.port, host: this.host, backlog: LISTEN_BACKLOG }, () => {
        server.off("error", reject);
        server.on("error", (error) => this.logger.error({ err: error, transport: this.transport }, "accept failed"));
        const address = server.address() as AddressInfo;
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  /**
   * Stops accepting. (server.close() would call back only once every
   * connection has ended; the core closes those itself.)
   */
  close(): void {
    this.server?.close();
  }
}

/** The peer's address, an IPv4 client of a dual-stack socket shown as plain IPv4. */
export function peerAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

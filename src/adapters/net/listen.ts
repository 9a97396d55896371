import net, { type AddressInfo, type Server, type Socket } from "node:net";
import type { ListeningAddress } from "../../core/ports/transport.port";

/**
 * Connections the kernel may hold before we accept them. Node's default of
 * 511 overflows when thousands of clients connect at once (a restart, a
 * load test): the overflow is silently dropped and the clients hang.
 * Linux caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/**
 * A TCP server for chat connections, listening: half-open (a client that
 * sends its last commands and shuts down its side still gets the replies),
 * Nagle off (a chat line should leave now). Errors once listening (EMFILE
 * on accept, say) go to `failed` and must not end the process.
 */
export function listenTcp(
  port: number,
  host: string | undefined,
  accept: (socket: Socket) => void,
  failed: (error: Error) => void,
): Promise<{ server: Server; address: ListeningAddress }> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, accept);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off("error", reject);
      server.on("error", failed);
      const address = server.address() as AddressInfo;
      resolve({ server, address: { host: address.address, port: address.port } });
    });
  });
}

/** The peer's address, an IPv4 client of a dual-stack socket shown as plain IPv4. */
export function peerAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

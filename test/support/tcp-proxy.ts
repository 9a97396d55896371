import net from "node:net";

/**
 * A TCP proxy in front of a server, as a NAT or a load balancer is: it can
 * drop every connection through it at once (resets both ways), the way a
 * network change or a proxy restart does, and goes on accepting new ones.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  /** Where new connections go. */
  private target: number;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    target: number,
  ) {
    this.target = target;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy: { value?: TcpProxy } = {};
    const server = net.createServer((client) => {
      const upstream = net.connect(proxy.value!.target, "127.0.0.1");
      for (const socket of [client, upstream]) {
        proxy.value!.sockets.add(socket);
        socket.on("error", () => undefined);
        socket.on("close", () => {
          proxy.value!.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy.value = new TcpProxy(server, (server.address() as net.AddressInfo).port, targetPort);
    return proxy.value;
  }

  /** Sends new connections to another port (a balancer sending clients to another node). */
  retarget(port: number): void {
    this.target = port;
  }

  /** Resets every connection through the proxy, on both sides. */
  dropAll(): void {
    for (const socket of [...this.sockets]) socket.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

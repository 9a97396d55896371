import net from "node:net";

/**
 * A lean protocol client for load generation: one callback per line, no
 * promise per line, so that thousands of them fit in one process.
 */
export class LineClient {
  private rest = "";
  onLine: (line: string) => void = () => undefined;
  onClose: () => void = () => undefined;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.setNoDelay(true);
    socket.on("data", (text: string) => {
      const lines = (this.rest + text).split("\n");
      this.rest = lines.pop()!;
      for (const line of lines) this.onLine(line);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.closed = true;
      this.onClose();
    });
  }

  static connect(port: number, host = "127.0.0.1"): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => {
        socket.off("error", reject);
        resolve(new LineClient(socket));
      });
      socket.once("error", reject);
    });
  }

  /** Connects and logs in; resolves once the server answered OK. */
  static async login(port: number, username: string, host?: string): Promise<LineClient> {
    const client = await LineClient.connect(port, host);
    await new Promise<void>((resolve, reject) => {
      client.onLine = (line) => (line === "OK" ? resolve() : reject(new Error(`LOGIN ${username}: ${line}`)));
      client.onClose = () => reject(new Error(`LOGIN ${username}: connection closed`));
      client.send(`LOGIN ${username}`);
    });
    client.onLine = () => undefined;
    client.onClose = () => undefined;
    return client;
  }

  send(line: string): void {
    if (!this.closed) this.socket.write(`${line}\n`);
  }

  write(data: string | Uint8Array): void {
    if (!this.closed) this.socket.write(data);
  }

  close(): void {
    this.socket.destroy();
  }

  /** Drops the connection with a TCP reset. */
  reset(): void {
    this.socket.resetAndDestroy();
  }
}

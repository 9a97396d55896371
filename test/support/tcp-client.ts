import net from "node:net";
import tls from "node:tls";
import { LineInbox } from "./line-inbox";

/**
 * A client over real TCP that reads lines the way `nc` shows them. Every
 * read waits for an event (a line, the close); none sleeps.
 */
export class TcpClient {
  private static readonly open = new Set<TcpClient>();

  /** Drops every client still connected; run after each test, so that a failed test leaves no socket behind. */
  static closeAll(): void {
    for (const client of TcpClient.open) client.close();
  }

  private buffer = "";
  private ended = false;
  private readonly inbox = new LineInbox(() => this.ended);
  /** Resolves once the connection is fully closed. */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: net.Socket,
    /** The TCP connection: the socket itself, or the one under TLS (a TLS socket cannot send a reset). */
    private readonly tcp: net.Socket = socket,
  ) {
    socket.setEncoding("utf8");
    socket.setNoDelay(true);
    socket.on("data", (text: string) => {
      this.buffer += text;
      const parts = this.buffer.split("\n");
      this.buffer = parts.pop()!;
      this.inbox.add(...parts);
    });
    socket.on("error", () => undefined);
    TcpClient.open.add(this);
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        TcpClient.open.delete(this);
        this.ended = true;
        this.inbox.wake();
        resolve();
      }),
    );
  }

  /** Connects over TLS (from `localAddress`, when given), trusting `ca`; the server's certificate is `certificate` afterwards. */
  static connectTls(port: number, ca: string, localAddress?: string): Promise<TcpClient & { readonly certificateFingerprint: string }> {
    return new Promise((resolve, reject) => {
      const tcp = net.connect({ port, host: "127.0.0.1", localAddress });
      tcp.once("error", reject);
      const socket = tls.connect({ socket: tcp, ca, servername: "localhost" }, () => {
        const client = new TcpClient(socket, tcp) as TcpClient & { certificateFingerprint: string };
        client.certificateFingerprint = socket.getPeerX509Certificate()!.fingerprint256;
        resolve(client);
      });
      socket.once("error", reject);
    });
  }

  /** Connects from `localAddress` when given (any of 127.0.0.0/8 reaches a server on 127.0.0.1). */
  static connect(port: number, host = "127.0.0.1", localAddress?: string): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, localAddress }, () => resolve(new TcpClient(socket)));
      socket.once("error", reject);
    });
  }

  /** Connects and logs in, expecting OK. */
  static async login(port: number, username: string): Promise<TcpClient> {
    const client = await TcpClient.connect(port);
    client.send(`LOGIN ${username}`);
    const reply = await client.readLine();
    if (reply !== "OK") throw new Error(`LOGIN ${username} answered ${reply}`);
    return client;
  }

  /** Connects and sends `RESUME <token> <received>`; the answer is the next line. */
  static async resume(port: number, token: string, received: number): Promise<TcpClient> {
    const client = await TcpClient.connect(port);
    client.send(`RESUME ${token} ${received}`);
    return client;
  }

  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** The next line; fails if the connection closes first or nothing comes. */
  async readLine(): Promise<string> {
    const [line] = await this.readLines(1);
    return line!;
  }

  readLines(count: number): Promise<string[]> {
    return this.inbox.read(count);
  }

  /** Lines received so far, read or not. */
  get receivedCount(): number {
    return this.inbox.receivedCount;
  }

  /** Every line until the server closes the connection. */
  async readUntilClosed(): Promise<string[]> {
    return (await this.inbox.readUntil(this.closed)).lines;
  }

  /** Stops reading: what the server sends piles up in the kernel, then in the server. */
  stopReading(): void {
    this.socket.pause();
  }

  startReading(): void {
    this.socket.resume();
  }

  /** Shuts down our sending side, as nc does at the end of its input. */
  endInput(): void {
    this.socket.end();
  }

  /** Drops the connection with a reset, as a crashed client does. */
  reset(): void {
    this.tcp.resetAndDestroy();
  }

  close(): void {
    this.socket.destroy();
  }
}

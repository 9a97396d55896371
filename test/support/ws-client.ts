import type { Socket } from "node:net";
import WebSocket from "ws";
import { LineInbox } from "./line-inbox";

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A WebSocket client as the web page is one: a text frame a line each way. Every read waits for an event. */
export class WsClient {
  private static readonly open = new Set<WsClient>();

  /** Drops every client still connected (after each test). */
  static closeAll(): void {
    for (const client of WsClient.open) client.terminate();
  }

  private readonly inbox = new LineInbox(() => this.socket.readyState === WebSocket.CLOSED);
  /** Frames that were not text. */
  readonly binary: Buffer[] = [];
  readonly closed: Promise<Closed>;

  private constructor(
    readonly socket: WebSocket,
    /** The TCP connection under it, to end or reset without the WebSocket's closing handshake. */
    private readonly tcp: Socket,
  ) {
    WsClient.open.add(this);
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) this.binary.push(data);
      else this.inbox.add(data.toString("utf8"));
    });
    socket.on("error", () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on("close", (code, reason) => {
        WsClient.open.delete(this);
        this.inbox.wake();
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /**
   * Opens a WebSocket to /ws (over TLS trusting `ca`, when given; from
   * `localAddress`, when given); rejects with the HTTP status and body when
   * the server refuses the upgrade.
   */
  static connect(
    port: number,
    options: { origin?: string; headers?: Record<string, string>; path?: string; localAddress?: string; ca?: string } = {},
  ): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const { origin, headers, localAddress, ca } = options;
      const scheme = ca === undefined ? "ws" : "wss";
      const socket = new WebSocket(`${scheme}://127.0.0.1:${port}${options.path ?? "/ws"}`, { origin, headers, localAddress, ca });
      let tcp: Socket;
      socket.once("upgrade", (response) => (tcp = response.socket as Socket));
      socket.once("open", () => resolve(new WsClient(socket, tcp)));
      socket.once("unexpected-response", (_request, response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (body += chunk));
        response.once("end", () => reject(new Error(`HTTP ${response.statusCode}: ${body.trimEnd()}`)));
      });
      socket.once("error", reject);
    });
  }

  static async login(port: number, username: string): Promise<WsClient> {
    const client = await WsClient.connect(port);
    client.send(`LOGIN ${username}`);
    const reply = await client.readLine();
    if (reply !== "OK") throw new Error(`LOGIN ${username} answered ${reply}`);
    return client;
  }

  send(line: string): void {
    this.socket.send(line);
  }

  async readLine(): Promise<string> {
    return (await this.readLines(1))[0]!;
  }

  readLines(count: number): Promise<string[]> {
    return this.inbox.read(count);
  }

  /** Lines received so far, read or not. */
  get receivedCount(): number {
    return this.inbox.receivedCount;
  }

  /** Every line until the server closes, and how it closed. */
  async readUntilClosed(): Promise<{ lines: string[] } & Closed> {
    const { lines, closed } = await this.inbox.readUntil(this.closed);
    return { lines, ...closed };
  }

  /** Stops reading: frames pile up in the kernel, then in the server. */
  stopReading(): void {
    this.socket.pause();
  }

  startReading(): void {
    this.socket.resume();
  }

  terminate(): void {
    this.socket.terminate();
  }

  /** Shuts down the sending side of the TCP connection, without a close frame: a FIN, as from a killed browser. */
  endInput(): void {
    this.tcp.end();
  }

  /** Drops the TCP connection with a reset. */
  reset(): void {
    this.tcp.resetAndDestroy();
  }
}

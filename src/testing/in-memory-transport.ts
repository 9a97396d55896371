import type {
  Connection,
  ConnectionAcceptor,
  ConnectionHandler,
  ListeningAddress,
  TransportPort,
} from "../core/ports/transport.port";
import type { Farewell } from "../core/language";
import type { Renderer } from "../core/events";
import { encodeRefusal, lineCodecOf, type LineCodec, type LineInput } from "../adapters/line/line-codec";

/** The client side of an in-memory connection: what a test types and reads. */
export class FakeClient {
  private received = "";
  private unread: Uint8Array[] = [];
  private unreadBytes = 0;
  private handler: ConnectionHandler | null = null;
  /** The server's reader of what this client sends (none for a client turned away). */
  private input: LineInput | null = null;
  private closeRequested = false;
  private gone = false;
  /** The server closed (or dropped) the connection. */
  closedByServer = false;
  /** The server paused reading from this client. */
  paused = false;

  constructor(readonly remoteAddress: string) {}

  /**
   * Whether this client reads what it is sent. One that does not lets the
   * server's output pile up, and a graceful close from the server never
   * completes (as with a full TCP window); only a destroy ends it.
   */
  private reading = true;

  stopReading(): void {
    this.reading = false;
  }

  /** Reads everything held back, and goes on reading. */
  startReading(): void {
    this.reading = true;
    for (const bytes of this.unread) this.receive(bytes);
    this.unread = [];
    this.unreadBytes = 0;
    if (this.closeRequested) this.closeFromServer();
  }

  /** Sends one line, adding LF. */
  send(line: string): void {
    this.write(`${line}\n`);
  }

  /** Sends raw text or bytes, exactly as given. */
  write(data: string | Uint8Array): void {
    if (this.gone) throw new Error("this client's connection is closed");
    this.input?.push(typeof data === "string" ? Buffer.from(data) : data);
    this.handler!.onInput();
  }

  /** Shuts down the sending side, as `nc` does at the end of its input. */
  endInput(): void {
    this.input?.endOfInput();
    this.handler!.onEnd();
  }

  /** Drops the connection, as a client that crashes or resets does; the server hears at once. */
  disconnect(): void {
    if (this.gone) return;
    this.gone = true;
    this.handler!.onClose();
  }

  /** Complete lines received and not yet taken (at most `max` of them), removing them. */
  takeLines(max = Infinity): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = this.received.indexOf("\n"); end !== -1 && lines.length < max; end = this.received.indexOf("\n", start)) {
      lines.push(this.received.slice(start, end));
      start = end + 1;
    }
    this.received = this.received.slice(start);
    return lines;
  }

  /** @internal */
  accept(handler: ConnectionHandler, input: LineInput | null): void {
    this.handler = handler;
    this.input = input;
  }

  /** @internal Bytes the server sent that this client has not read. */
  get pendingBytes(): number {
    return this.unreadBytes;
  }

  /** @internal */
  deliver(bytes: Uint8Array): void {
    if (this.gone) return;
    if (this.reading) {
      this.receive(bytes);
    } else {
      this.unread.push(bytes);
      this.unreadBytes += bytes.byteLength;
    }
  }

  /** @internal A graceful close: completes once everything sent has been read. */
  requestClose(): void {
    this.closeRequested = true;
    if (this.reading) this.closeFromServer();
  }

  /**
   * @internal The server drops the connection: the farewell comes after what
   * the client was sent (as with a socket, what the kernel holds is still
   * there to read), and the connection is gone at once.
   */
  destroyFromServer(farewell?: Uint8Array): void {
    if (farewell !== undefined) this.deliver(farewell);
    this.closeFromServer();
  }

  private receive(bytes: Uint8Array): void {
    this.received += Buffer.from(bytes).toString("utf8");
  }

  private closeFromServer(): void {
    if (this.gone) return;
    this.gone = true;
    this.closedByServer = true;
    // As with a socket, the close event comes after the call that caused it.
    queueMicrotask(() => this.handler!.onClose());
  }
}

/** The server side of an in-memory connection: it speaks the line protocol, as a fake client reads lines. */
export class InMemoryConnection implements Connection {
  readonly codec: LineInput;
  readonly renderer: Renderer;
  readonly secure = false;

  constructor(
    private readonly client: FakeClient,
    lines: LineCodec,
  ) {
    this.codec = lines.input();
    this.renderer = lines.renderer;
  }

  get remoteAddress(): string {
    return this.client.remoteAddress;
  }

  get pendingBytes(): number {
    return this.client.pendingBytes;
  }

  send(bytes: Uint8Array): void {
    this.client.deliver(bytes);
  }

  sendRendered(bytes: Uint8Array): void {
    this.client.deliver(bytes);
  }

  pauseReading(): void {
    this.client.paused = true;
  }

  resumeReading(): void {
    this.client.paused = false;
  }

  close(): void {
    this.client.requestClose();
  }

  destroy(farewell?: Farewell): void {
    this.client.destroyFromServer((farewell && this.codec.encodeReply(farewell)) ?? undefined);
  }
}

/** For a connection turned away: nothing it does matters any more. */
const REFUSED: ConnectionHandler = { onInput() {}, onEnd() {}, onClose() {} };

/** A transport without sockets: tests open connections by calling `connect`. */
export class InMemoryTransport implements TransportPort {
  readonly name = "in-memory";
  /** What the server gave to accept connections with; null once it stopped accepting. */
  acceptor: ConnectionAcceptor | null = null;

  listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress> {
    this.acceptor = acceptor;
    return Promise.resolve({ host: "in-memory", port: 0 });
  }

  stopAccepting(): Promise<void> {
    this.acceptor = null;
    return Promise.resolve();
  }

  /**
   * Opens a connection from `remoteAddress`. One the server refuses (over a
   * limit) receives its farewell line and is closed, as over TCP.
   */
  connect(remoteAddress = "10.0.0.1"): FakeClient {
    const acceptor = this.acceptor;
    if (acceptor === null) throw new Error("the server is not accepting connections");
    const client = new FakeClient(remoteAddress);
    const refusal = acceptor.admit(remoteAddress);
    if (refusal !== null) {
      client.accept(REFUSED, null);
      client.destroyFromServer(encodeRefusal(refusal));
      return client;
    }
    const connection = new InMemoryConnection(client, lineCodecOf(acceptor));
    client.accept(acceptor.open(connection), connection.codec);
    return client;
  }
}

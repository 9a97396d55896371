import type {
  Connection,
  ConnectionAcceptor,
  ConnectionHandler,
  ListeningAddress,
  TransportPort,
} from "../../src/core/ports/transport.port";

/** The client side of an in-memory connection: what a test types and reads. */
export class FakeClient {
  private received = "";
  private handler: ConnectionHandler | null = null;
  /** The server closed (or dropped) the connection. */
  closedByServer = false;
  /** The server paused reading from this client. */
  paused = false;
  /**
   * A client that never reads: the server's graceful close never completes
   * (as with a full TCP window); only a destroy ends the connection.
   */
  stalled = false;
  private gone = false;

  constructor(readonly remoteAddress: string) {}

  /** Sends one line, adding LF. */
  send(line: string): void {
    this.write(`${line}\n`);
  }

  /** Sends raw text or bytes, exactly as given. */
  write(data: string | Uint8Array): void {
    if (this.gone) throw new Error("this client's connection is closed");
    this.handler!.onData(typeof data === "string" ? Buffer.from(data) : data);
  }

  /** Shuts down the sending side, as `nc` does at the end of its input. */
  endInput(): void {
    this.handler!.onEnd();
  }

  /** Drops the connection, as a client that crashes or resets does. */
  disconnect(): void {
    this.close();
  }

  /** Complete lines received and not yet taken, removing them. */
  takeLines(): string[] {
    const end = this.received.lastIndexOf("\n");
    if (end === -1) return [];
    const lines = this.received.slice(0, end).split("\n");
    this.received = this.received.slice(end + 1);
    return lines;
  }

  /** @internal */
  accept(handler: ConnectionHandler): void {
    this.handler = handler;
  }

  /** @internal */
  receive(bytes: Uint8Array): void {
    if (!this.gone) this.received += Buffer.from(bytes).toString("utf8");
  }

  /** @internal */
  close(byServer = false): void {
    if (this.gone) return;
    this.gone = true;
    this.closedByServer = byServer;
    this.handler!.onClose();
  }
}

class InMemoryConnection implements Connection {
  constructor(private readonly client: FakeClient) {}

  get remoteAddress(): string {
    return this.client.remoteAddress;
  }

  send(bytes: Uint8Array): void {
    this.client.receive(bytes);
  }

  pauseReading(): void {
    this.client.paused = true;
  }

  resumeReading(): void {
    this.client.paused = false;
  }

  close(): void {
    if (!this.client.stalled) this.client.close(true);
  }

  destroy(): void {
    this.client.close(true);
  }
}

/** A transport without sockets: tests open connections by calling `connect`. */
export class InMemoryTransport implements TransportPort {
  readonly name = "in-memory";
  private acceptor: ConnectionAcceptor | null = null;

  listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress> {
    this.acceptor = acceptor;
    return Promise.resolve({ host: "in-memory", port: 0 });
  }

  stopAccepting(): Promise<void> {
    this.acceptor = null;
    return Promise.resolve();
  }

  connect(remoteAddress = "10.0.0.1"): FakeClient {
    if (this.acceptor === null) throw new Error("the server is not accepting connections");
    const client = new FakeClient(remoteAddress);
    client.accept(this.acceptor(new InMemoryConnection(client)));
    return client;
  }
}

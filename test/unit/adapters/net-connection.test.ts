import type { Socket } from "node:net";
import { Duplex } from "node:stream";
import { NetConnection } from "../../../src/adapters/tcp/net-connection";
import { WriteBatcher } from "../../../src/adapters/socket/write-batcher";
import { FakeClock } from "../../../src/testing/fake-clock";
import type { ConnectionHandler } from "../../../src/core/ports/transport.port";
import { LineCodec } from "../../../src/adapters/line/line-codec";
import { encodeLine, encodeLineAlone, SharedLines } from "../../../src/adapters/wire/shared-lines";

/**
 * A socket whose "kernel" takes every write at once, or, while stalled,
 * holds it (as a full socket buffer does) until released. Each write the
 * kernel is handed is recorded with its pieces, as writev would get them.
 */
class FakeSocket extends Duplex {
  readonly writes: Buffer[][] = [];
  stalled = false;
  ended = false;
  private held: (() => void)[] = [];

  constructor() {
    super({ allowHalfOpen: true, read() {} });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.record([chunk], done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: () => void): void {
    this.record(
      chunks.map(({ chunk }) => chunk),
      done,
    );
  }

  override _final(done: () => void): void {
    this.ended = true;
    done();
  }

  /** The kernel takes what it was holding, and whatever comes next. */
  release(): void {
    this.stalled = false;
    const held = this.held;
    this.held = [];
    for (const done of held) done();
  }

  /** What the kernel was given, each write as its pieces, empty writes left out. */
  get handed(): Buffer[][] {
    return this.writes.filter((pieces) => pieces.some((piece) => piece.length > 0));
  }

  private record(pieces: Buffer[], done: () => void): void {
    this.writes.push(pieces);
    if (this.stalled) this.held.push(done);
    else done();
  }
}

/** Events are not what these tests send: bytes are. */
const LINES = new LineCodec({ forms: () => undefined }, { render: () => null }, 1024);
const IGNORE: ConnectionHandler = { onInput() {}, onEnd() {}, onClose() {} };
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function connect(batcher = new WriteBatcher(new FakeClock())): { socket: FakeSocket; connection: NetConnection } {
  const socket = new FakeSocket();
  const connection = new NetConnection(socket as unknown as Socket, "10.0.0.1", batcher, LINES);
  connection.attach(IGNORE);
  return { socket, connection };
}

const text = (pieces: Buffer[]): string => Buffer.concat(pieces).toString();

describe("NetConnection output", () => {
  it("writes a turn of lines to everyone as one view of the memory they share: no copy per recipient", async () => {
    const batcher = new WriteBatcher(new FakeClock());
    const a = connect(batcher);
    const b = connect(batcher);
    const shared = new SharedLines();
    const lines = ["MSG alice one", "MSG bob two", "MSG carol three"].map((line) => shared.encode(line));
    for (const line of lines) {
      a.connection.send(line);
      b.connection.send(line);
    }
    await turn();
    for (const { socket } of [a, b]) {
      expect(socket.handed).toHaveLength(1);
      const [[piece]] = socket.handed as [[Buffer]];
      expect(piece.toString()).toBe("MSG alice one\nMSG bob two\nMSG carol three\n");
      expect(piece.buffer).toBe(lines[0]!.buffer);
      expect(piece.byteOffset).toBe(lines[0]!.byteOffset);
    }
  });

  it("hands a long line over by reference, and copies small pieces together", async () => {
    const { socket, connection } = connect();
    const long = encodeLineAlone(`MSG alice ${"x".repeat(4000)}`);
    connection.send(encodeLine("OK"));
    connection.send(encodeLine("PONG"));
    connection.send(long);
    connection.send(encodeLine("PONG"));
    await turn();
    expect(socket.handed).toHaveLength(1);
    const [pieces] = socket.handed as [Buffer[]];
    expect(pieces.map((piece) => piece.toString())).toEqual(["OK\nPONG\n", long.toString(), "PONG\n"]);
    expect(pieces[1]!.buffer).toBe(long.buffer);
  });

  it("counts what waits, this turn's output included, and what the kernel did not take", async () => {
    const { socket, connection } = connect();
    connection.send(encodeLine("one"));
    connection.send(encodeLine("two"));
    expect(connection.pendingBytes).toBe(8);
    await turn();
    expect(connection.pendingBytes).toBe(0);
    socket.stalled = true;
    connection.send(encodeLine("three"));
    await turn();
    expect(connection.pendingBytes).toBe(6);
  });

  it("hands Node one batch at a time while the reader is behind, and the rest once it has taken that", async () => {
    const { socket, connection } = connect();
    const shared = new SharedLines();
    socket.stalled = true;
    const lines = Array.from({ length: 60 }, (_, i) => shared.encode(`MSG bob ${i} ${"y".repeat(4000)}`));
    for (const line of lines.slice(0, 30)) connection.send(line);
    await turn();
    for (const line of lines.slice(30)) connection.send(line);
    await turn();
    // The first batch, no more: the rest waits as references, counted.
    expect(socket.handed).toHaveLength(1);
    const first = text(socket.handed[0]!);
    expect(first.length).toBeLessThanOrEqual(64 * 1024);
    const all = lines.map((line) => line.toString()).join("");
    expect(connection.pendingBytes).toBe(all.length);
    socket.release();
    await turn();
    expect(socket.handed.map(text).join("")).toBe(all);
    expect(connection.pendingBytes).toBe(0);
  });

  it("copies a slow reader's small private lines out of Node's shared pool", async () => {
    const { socket, connection } = connect();
    socket.stalled = true;
    connection.send(encodeLine("first"));
    await turn();
    const replies = ["PONG", "PONG", "USER alice"].map((line) => encodeLine(line));
    for (const reply of replies) connection.send(reply);
    socket.release();
    await turn();
    const [, later] = socket.handed as [Buffer[], Buffer[]];
    expect(text(later)).toBe("PONG\nPONG\nUSER alice\n");
    // Kept in a buffer of the connection's own, not as slices pinning the pool.
    for (const piece of later) for (const reply of replies) expect(piece.buffer).not.toBe(reply.buffer);
  });

  it("charges a reader for the shared memory between its lines that it keeps alive", async () => {
    const { socket, connection } = connect();
    const shared = new SharedLines();
    socket.stalled = true;
    connection.send(shared.encode("x"));
    await turn();
    // Lines it is not sent (its own, say) lie between the ones it waits for.
    const mine = shared.encode("MSG me 0123456789");
    const next = shared.encode("MSG you hi");
    connection.send(next);
    expect(connection.pendingBytes).toBe(2 + mine.length + next.length);
  });

  it("charges no gap between lines of different sequences (each protocol's own): only the bytes queued", async () => {
    const { socket, connection } = connect();
    const ours = new SharedLines();
    const others = new SharedLines();
    socket.stalled = true;
    connection.send(ours.encode("x"));
    await turn();
    let expected = 2;
    for (let i = 0; i < 40; i++) {
      // The other sequence fills slabs of its own meanwhile.
      others.encode("y".repeat(4000));
      const line = ours.encode(`MSG bob ${i} ${"z".repeat(3000)}`);
      connection.send(line);
      expected += line.length;
    }
    expect(connection.pendingBytes).toBe(expected);
  });

  it("on destroy with a farewell drops what waits here and sends the farewell after what Node holds", async () => {
    const { socket, connection } = connect();
    socket.stalled = true;
    connection.send(encodeLine("held by Node"));
    await turn();
    connection.send(encodeLine("dropped"));
    connection.destroy({ kind: "error", code: "send-queue-exceeded" });
    socket.release();
    await turn();
    expect(socket.handed.map(text).join("")).toBe("held by Node\nERR send-queue-exceeded\n");
    expect(socket.ended).toBe(true);
    socket.destroy();
  });
});

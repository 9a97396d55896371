import net from "node:net";

const LF = 0x0a;
const SPACE = 0x20;
const NOTHING = Buffer.alloc(0);
const READ_BUFFER = Buffer.alloc(256 * 1024);

/** Reads a decimal number from `bytes` at `at`; returns it and where it ended. */
function readNumber(bytes: Buffer, at: number, end: number): [number, number] {
  let value = 0;
  let i = at;
  for (; i < end; i++) {
    const digit = bytes[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10 + digit;
  }
  return [value, i];
}

/** What a load client does with the lines it receives. */
export interface LineSink {
  /** A chat line `MSG <user> <sender> <seq> <sentUs> ...` from the bench's own senders, read at `nowUs`. */
  onChat(sender: number, seq: number, sentUs: number, nowUs: number): void;
  /** Any other line. */
  onOther(line: string): void;
}

/**
 * A client for load generation that never turns chat lines into strings:
 * it finds line ends in the received bytes and reads the numbers it needs
 * straight from them, so that one process can take a million lines a second.
 */
/** How a load client speaks to the server: the line protocol over TCP or WebSocket, IRC, or the JSON API (WebSocket at /api). */
export type Wire = "tcp" | "ws" | "irc" | "json";

const PRIVMSG = Buffer.from(" PRIVMSG ");
const JSON_MESSAGE = Buffer.from('{"type":"message",');
const JSON_TEXT = Buffer.from('"text":"');

/** Whether `wire` is spoken in WebSocket frames. */
function framed(wire: Wire): boolean {
  return wire === "ws" || wire === "json";
}

/** A line of the line protocol as the JSON API's frame: the few the load clients send. */
function jsonCommand(line: string): string {
  const space = line.indexOf(" ");
  const verb = space === -1 ? line : line.slice(0, space);
  const rest = space === -1 ? "" : line.slice(space + 1);
  if (verb === "MSG") return JSON.stringify({ type: "send", text: rest });
  if (verb === "LOGIN") return JSON.stringify({ type: "login", name: rest });
  if (verb === "PING") return '{"type":"ping"}';
  throw new Error(`the JSON API's load client does not send ${verb}`);
}

/**
 * A JSON API frame that is not a chat message, in the line protocol's words
 * where the bench looks for them; null for a message's `sent` answer (the
 * line protocol has none).
 */
function jsonAnswer(text: string): string | null {
  const frame = JSON.parse(text) as { type: string; code?: string; subject?: string };
  if (frame.type === "sent") return null;
  if (frame.type === "ok" || frame.type === "pong") return frame.type.toUpperCase();
  if (frame.type === "error") return ["ERR", frame.code, frame.subject].filter((word) => word !== undefined).join(" ");
  return text;
}

export class LoadClient {
  private rest: Buffer = NOTHING;
  closed = false;
  /** Over WebSocket: still reading the server's answer to the upgrade. */
  private handshaking: boolean;

  private constructor(
    readonly socket: net.Socket,
    private sink: LineSink,
    private readonly wire: Wire,
  ) {
    this.handshaking = framed(wire);
    socket.setNoDelay(true);
    socket.on("error", () => undefined);
    socket.on("close", () => (this.closed = true));
  }

  /**
   * Connects over TCP, or to the web port's /ws (`ws`) or /api (`json`),
   * speaking the frames by hand as cheaply as the lines: one text frame a
   * line (a JSON object), sent with an all-zero mask (allowed, and nothing
   * to compute).
   */
  static connect(port: number, sink: LineSink, host = "127.0.0.1", wire: Wire = "tcp"): Promise<LoadClient> {
    return new Promise((resolve, reject) => {
      let client: LoadClient | null = null;
      // Reads land in one shared buffer, without the stream machinery or a
      // Buffer per read: the cheapest way Node offers to take many small reads.
      const socket = net.connect({
        port,
        host,
        onread: {
          buffer: READ_BUFFER,
          callback: (length: number) => {
            client?.onData(length);
            return true;
          },
        },
      }, () => {
        socket.off("error", reject);
        client = new LoadClient(socket, sink, wire);
        if (framed(wire)) {
          socket.write(
            `GET ${wire === "json" ? "/api" : "/ws"} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
          );
        }
        resolve(client);
      });
      socket.once("error", reject);
    });
  }

  /** Connects and logs in (over IRC: registers); resolves once the server said yes. */
  static async login(port: number, username: string, sink: LineSink, wire: Wire = "tcp"): Promise<LoadClient> {
    let answered: (line: string) => void = () => undefined;
    const reply = new Promise<string>((resolve) => (answered = resolve));
    const onOther = (line: string): void => {
      // IRC: the welcome burst ends with the lobby's names (366); a refused nick is 433 or 432.
      if (wire !== "irc") answered(line);
      else if (/^:\S+ (366|433|432) /.test(line)) answered(/^:\S+ 366 /.test(line) ? "OK" : line);
    };
    const client = await LoadClient.connect(port, { onChat: () => undefined, onOther }, "127.0.0.1", wire);
    if (wire === "irc") client.socket.write(`NICK ${username}\r\nUSER ${username} 0 * :${username}\r\n`);
    else client.send(`LOGIN ${username}`);
    const line = await reply;
    if (line !== "OK") throw new Error(`LOGIN ${username}: ${line}`);
    client.sink = sink;
    return client;
  }

  /** Sends a line of the line protocol (over IRC, `MSG <text>` is a PRIVMSG to #lobby and `PING` a PING; over the JSON API, its frame). */
  send(line: string): void {
    if (this.closed) return;
    if (this.wire === "irc") {
      this.socket.write(line.startsWith("MSG ") ? `PRIVMSG #lobby :${line.slice(4)}\r\n` : `${line} :load\r\n`);
      return;
    }
    if (this.wire === "tcp") {
      this.socket.write(`${line}\n`);
      return;
    }
    const payload = Buffer.from(this.wire === "json" ? jsonCommand(line) : line);
    const length = payload.length;
    const header = length < 126 ? Buffer.from([0x81, 0x80 | length, 0, 0, 0, 0]) : Buffer.from([0x81, 0x80 | 126, length >> 8, length & 0xff, 0, 0, 0, 0]);
    this.socket.write(Buffer.concat([header, payload]));
  }

  /** Writes several lines at once, in one write (one frame each over WebSocket). */
  write(text: string): void {
    if (this.closed) return;
    if (!framed(this.wire)) {
      this.socket.write(text);
      return;
    }
    this.socket.cork();
    for (const line of text.split("\n").slice(0, -1)) this.send(line);
    this.socket.uncork();
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(length: number): void {
    let bytes = READ_BUFFER.subarray(0, length);
    if (this.rest.length > 0) {
      bytes = Buffer.concat([this.rest, bytes]);
      this.rest = NOTHING;
    }
    if (framed(this.wire)) {
      this.onFrames(bytes);
      return;
    }
    let start = 0;
    const nowUs = Math.round(performance.now() * 1000);
    for (let lf = bytes.indexOf(LF, start); lf !== -1; lf = bytes.indexOf(LF, start)) {
      this.onLine(bytes, start, lf, nowUs);
      start = lf + 1;
    }
    // The read buffer is shared: keep a copy of a partial line.
    if (start < bytes.length) this.rest = Buffer.from(bytes.subarray(start));
  }

  /** WebSocket: the answer to the upgrade, then frames, each a line. */
  private onFrames(bytes: Buffer): void {
    let start = 0;
    if (this.handshaking) {
      const end = bytes.indexOf("\r\n\r\n");
      if (end === -1) {
        this.rest = Buffer.from(bytes);
        return;
      }
      this.handshaking = false;
      start = end + 4;
    }
    const nowUs = Math.round(performance.now() * 1000);
    while (bytes.length - start >= 2) {
      const short = bytes[start + 1]! & 0x7f;
      const headerLength = short === 126 ? 4 : short === 127 ? 10 : 2;
      if (bytes.length - start < headerLength) break;
      const payloadLength = short === 126 ? bytes.readUInt16BE(start + 2) : short === 127 ? Number(bytes.readBigUInt64BE(start + 2)) : short;
      const end = start + headerLength + payloadLength;
      if (end > bytes.length) break;
      if ((bytes[start]! & 0x0f) === 0x1) this.onLine(bytes, start + headerLength, end, nowUs);
      start = end;
    }
    if (start < bytes.length) this.rest = Buffer.from(bytes.subarray(start));
  }

  private onLine(bytes: Buffer, start: number, lineEnd: number, nowUs: number): void {
    const end = bytes[lineEnd - 1] === 0x0d ? lineEnd - 1 : lineEnd;
    if (this.wire === "irc") {
      // ":<user>!... PRIVMSG #lobby :<sender> <seq> <sentUs> ..."
      const privmsg = bytes.indexOf(PRIVMSG, start);
      const text = privmsg !== -1 && privmsg < end ? bytes.indexOf(" :", privmsg) + 2 : 1;
      if (text > 1 && text < end) return this.onChat(bytes, text, end, nowUs);
      const line = bytes.toString("utf8", start, end);
      this.sink.onOther(/ PONG /.test(line) ? "PONG" : line);
      return;
    }
    if (this.wire === "json") {
      // {"type":"message",...,"text":"<sender> <seq> <sentUs> ..."}
      if (end - start > JSON_MESSAGE.length && JSON_MESSAGE.compare(bytes, start, start + JSON_MESSAGE.length) === 0) {
        const text = bytes.indexOf(JSON_TEXT, start);
        if (text !== -1 && text < end) return this.onChat(bytes, text + JSON_TEXT.length, end, nowUs);
      }
      const answer = jsonAnswer(bytes.toString("utf8", start, end));
      if (answer !== null) this.sink.onOther(answer);
      return;
    }
    // "MSG " then the sender's username, then the text: "<sender> <seq> <sentUs> ..."
    if (bytes[start] === 0x4d && bytes[start + 1] === 0x53 && bytes[start + 2] === 0x47 && bytes[start + 3] === SPACE) {
      const text = bytes.indexOf(SPACE, start + 4) + 1;
      if (text > 0 && text < end) return this.onChat(bytes, text, end, nowUs);
    }
    this.sink.onOther(bytes.toString("utf8", start, end));
  }

  /** A bench message's text at `text`: "<sender> <seq> <sentUs> ...". */
  private onChat(bytes: Buffer, text: number, end: number, nowUs: number): void {
    const [sender, afterSender] = readNumber(bytes, text, end);
    const [seq, afterSeq] = readNumber(bytes, afterSender + 1, end);
    const [sentUs] = readNumber(bytes, afterSeq + 1, end);
    this.sink.onChat(sender, seq, sentUs, nowUs);
  }
}

import type { Socket } from "node:net";
import { SocketConnection } from "../../src/adapters/socket/socket-connection";
import { Life } from "../../src/adapters/socket/socket-output";
import { SocketServer, type SocketProtocol } from "../../src/adapters/socket/socket-server";
import type { WriteBatcher } from "../../src/adapters/socket/write-batcher";
import { LineDecoder } from "../../src/adapters/wire/line-decoder";
import { rendererId, type Renderer } from "../../src/core/events";
import { error, type CommandInput, type ErrorReply, type Farewell, type Reply } from "../../src/core/language";
import type { ConnectionCodec } from "../../src/core/ports/transport.port";
import type { DoorModule } from "../../src/doors/door-module";
import { portFlag } from "../../src/doors/flag-checks";

/*
 * A door that lives outside the server's folders, to show what adding one
 * takes: this module, and the door in the list (the tests give build and
 * the CLI the list with it).
 */

/** Events are not shown: an echo client sees its own lines only. */
const SILENT: Renderer = { id: rendererId(), showsLogins: false, render: () => null };

const PING: CommandInput = { verb: "PING", params: [] };

/**
 * Every line is a PING to the core, whose PONG is said as the line itself:
 * the answer goes through the core's dispatch and flood budget like any
 * door's. Any other reply (an error, a farewell) is said as its JSON.
 */
class EchoCodec implements ConnectionCodec {
  readonly lines: LineDecoder;
  readonly protocol = "echo";
  readonly resumeRenderer = SILENT;
  private line = "";

  constructor(maxLineBytes: number) {
    this.lines = new LineDecoder(maxLineBytes);
  }

  nextCommand(): CommandInput | ErrorReply | null {
    const line = this.lines.next();
    if (line === null) return null;
    if (typeof line !== "string") return error(line.error);
    this.line = line;
    return PING;
  }

  encodeReply(reply: Reply): Uint8Array {
    return Buffer.from(`${reply.kind === "pong" ? this.line : JSON.stringify(reply)}\n`);
  }
}

class EchoConnection extends SocketConnection {
  readonly codec: EchoCodec;

  constructor(socket: Socket, address: string, batcher: WriteBatcher, maxLineBytes: number) {
    super(socket, address, batcher, SILENT);
    this.codec = new EchoCodec(maxLineBytes);
  }

  send(bytes: Uint8Array): void {
    this.queue(bytes);
  }

  destroy(farewell?: Farewell): void {
    this.destroyWith(farewell === undefined ? undefined : this.codec.encodeReply(farewell));
  }

  received(chunk: Buffer): void {
    if (this.life !== Life.Open) return;
    this.codec.lines.push(chunk);
    this.handler!.onInput();
  }

  override ended(): void {
    this.codec.lines.endOfInput();
    super.ended();
  }
}

const ECHO_PROTOCOL: SocketProtocol = {
  name: "echo",
  tlsName: "echo-tls",
  refusal: (refusal) => Buffer.from(`${refusal}\n`),
  connect: (socket, address, batcher, acceptor) => new EchoConnection(socket, address, batcher, acceptor.maxLineBytes),
};

/** The echo door's part of the configuration. */
export interface EchoConfig {
  readonly echo?: { readonly port: number };
}

/** Answers every line with itself, on a TCP port of its own. */
export const ECHO_DOOR: DoorModule<EchoConfig> = {
  name: "echo",
  flags: { "echo-port": { describe: "echo every line on this port" } },
  defaults: {},

  configure({ values }) {
    const port = portFlag(values, "echo-port");
    return port === undefined ? {} : { echo: { port } };
  },

  open({ echo, host }, { logger, clock }) {
    return echo === undefined ? null : { transports: [new SocketServer({ port: echo.port, host, clock }, logger, ECHO_PROTOCOL)] };
  },
};

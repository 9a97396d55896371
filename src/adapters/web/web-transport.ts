import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { isIP, type Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";
import type { Origin } from "../../core/ports/accounts.port";
import { WebSocketServer } from "ws";
import type { ClockPort, Timer } from "../../core/ports/clock.port";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { ConnectionAcceptor, HandshakeFailure, ListeningAddress, TransportPort } from "../../core/ports/transport.port";
import { refusalLine } from "../line/line-text";
import { lineCodecOf, type LineCodec } from "../line/line-codec";
import { peerAddress, TcpListener } from "../socket/listen";
import { DEFAULT_HANDSHAKE_TIMEOUT_MS, TlsHandshakes, secureContext, type TlsIdentity } from "../socket/secure-accept";
import { WriteBatcher } from "../socket/write-batcher";
import { StaticFiles } from "./static-files";
import { AUTH_PREFIX, AuthEndpoints, signInToken } from "./auth-endpoints";
import { FrameRenderer, TextFrames } from "../websocket/text-frames";
import type { WebSocketDoor } from "../websocket/websocket-door";
import { WebSocketConnection } from "./ws-connection";

export interface WebTransportOptions {
  readonly port: number;
  readonly host?: string;
  /** Serve HTTPS and WSS with this identity. */
  readonly tls?: TlsIdentity;
  /** How long a client has for its TLS handshake (default 5 s). */
  readonly handshakeTimeoutMs?: number;
  /** Origins allowed to open a WebSocket besides the page's own (`https://chat.example.com`). */
  readonly origins?: readonly string[];
  /** Addresses of reverse proxies whose `X-Forwarded-For` names the client. */
  readonly trustedProxies?: readonly string[];
  /** The longest line; a frame a little longer is answered ERR line-too-long, a frame much longer closes the connection. */
  readonly maxLineBytes: number;
  /** The web client's built files. */
  readonly clientDirectory: string;
  /** Time, for the handshake timeout, a page's connection's lifetime and a closing connection's linger. */
  readonly clock: ClockPort;
  /** Other doors on this port, by the path of their WebSockets (`/api`: the JSON API); `/ws` is the line protocol's. */
  readonly doors?: ReadonlyMap<string, WebSocketDoor>;
}

/** Where a socket's admission is kept: by which address it counts, and whether it became a session. */
const ADMISSION = Symbol("admission");

interface Admission {
  address: string;
  perAddress: boolean;
  opened: boolean;
  failure: HandshakeFailure | null;
  readonly deadline: Timer;
}

type AdmittedSocket = Socket & { [ADMISSION]?: Admission };

/** How long a connection may go on without becoming a WebSocket. */
const HTTP_LIFETIME_MS = 30_000;

/** Frames past a line's worth are not read at all: the connection is closed (1009). */
const FRAME_SLACK_BYTES = 1024;

/** A request's path, without its query. */
function pathOf(request: IncomingMessage): string {
  return (request.url ?? "").split("?")[0]!;
}

function refuseHttp(socket: Socket, status: string, body: string): void {
  socket.on("error", () => undefined);
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  socket.destroySoon();
}

/**
 * The web door: one HTTP(S) server that serves the web client at `/`,
 * browsers' sign-ins under `/auth/` (AuthEndpoints), and takes WebSocket
 * connections at `/ws`, speaking the line protocol one text frame per
 * line, and at the paths of the other `doors` given; one whose request
 * carries a sign-in cookie opens signed in to its account. Every TCP
 * connection to it, a page's or a WebSocket's, counts against the core's
 * connection limits from its accept, as the TCP transport's do; one over a
 * limit is answered 503 (TLS: closed).
 *
 * A WebSocket is opened only from the page's own origin (the Host it asked
 * for) or one listed in `origins`: a page elsewhere cannot open one in its
 * visitor's name. Requests without an Origin (not from a browser) are
 * taken. Behind a listed reverse proxy, the client's address is the last
 * one in `X-Forwarded-For` that is not itself a listed proxy.
 */
export class WebTransport implements TransportPort {
  readonly name: string;
  private readonly listener: TcpListener;
  private readonly http: http.Server;
  private readonly sockets: WebSocketServer;
  private readonly batcher: WriteBatcher;
  private readonly frames = new TextFrames();
  /** Events in frames; made when listening, from the line codec's renderer. */
  private renderer: FrameRenderer | null = null;
  private codec: LineCodec | null = null;
  private context: SecureContext | null;
  private files: StaticFiles | null = null;
  /** Browsers' sign-ins; made when listening, over the core's. */
  private auth: AuthEndpoints | null = null;
  private readonly handshakes: TlsHandshakes;
  private readonly origins: ReadonlySet<string>;
  private readonly trustedProxies: ReadonlySet<string>;

  constructor(
    private readonly options: WebTransportOptions,
    private readonly logger: LoggerPort,
  ) {
    this.name = options.tls === undefined ? "web" : "web-tls";
    this.listener = new TcpListener(options.port, options.host, logger, this.name);
    this.context = options.tls === undefined ? null : secureContext(options.tls);
    this.handshakes = new TlsHandshakes(options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, options.clock);
    this.batcher = new WriteBatcher(options.clock);
    this.origins = new Set(options.origins ?? []);
    this.trustedProxies = new Set(options.trustedProxies ?? []);
    this.http = http.createServer((request, response) => this.serve(request, response));
    this.sockets = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      // Text is read by the door (the line decoder, the JSON API), which answers invalid UTF-8 itself.
      skipUTF8Validation: true,
      maxPayload: options.maxLineBytes + FRAME_SLACK_BYTES,
    });
  }

  /** Serves new HTTPS connections with another identity (same settings); open ones keep theirs. */
  reloadIdentity(identity: TlsIdentity): void {
    if (this.context === null) throw new Error("this transport does not serve TLS");
    this.context = secureContext(identity);
  }

  async listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress> {
    this.files = await StaticFiles.load(this.options.clientDirectory);
    this.auth = new AuthEndpoints(acceptor.browserSignIns, this.logger);
    this.codec = lineCodecOf(acceptor);
    this.renderer = new FrameRenderer(this.codec.renderer, this.frames);
    this.http.on("upgrade", (request: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(request, socket, head, acceptor));
    return this.listener.listen((socket) => this.accept(socket, acceptor));
  }

  stopAccepting(): Promise<void> {
    this.listener.close();
    this.handshakes.cancelAll();
    // Pages' keep-alive connections; WebSockets are the core's to close.
    this.http.closeIdleConnections();
    return Promise.resolve();
  }

  private accept(socket: AdmittedSocket, acceptor: ConnectionAcceptor): void {
    const address = peerAddress(socket);
    // A proxy's connection counts in the total only until its client is known.
    const perAddress = !this.trustedProxies.has(address);
    const refusal = acceptor.admit(address, perAddress);
    if (refusal !== null) {
      if (this.context === null) refuseHttp(socket, "503 Service Unavailable", `${refusalLine(refusal)}\n`);
      else socket.destroy();
      return;
    }
    // A page's connection is short-lived (a few small files, keep-alive for
    // 5 s): one that has not become a WebSocket by then is closed, whatever
    // it sends, so that a client trickling headers cannot hold its slot.
    const deadline = this.options.clock.schedule(HTTP_LIFETIME_MS, () => socket.destroy());
    const admission: Admission = { address, perAddress, opened: false, failure: null, deadline };
    socket[ADMISSION] = admission;
    socket.once("close", () => {
      deadline.cancel();
      if (!admission.opened) acceptor.abandon(admission.address, admission.failure, admission.perAddress);
    });
    socket.on("error", () => undefined);
    if (this.context === null) {
      this.http.emit("connection", socket);
      return;
    }
    this.handshakes.accept(
      socket,
      this.context,
      (secure) => {
        (secure as AdmittedSocket)[ADMISSION] = admission;
        this.http.emit("connection", secure);
      },
      (reason) => (admission.failure = reason),
    );
  }

  /** A request of a page's connection: a sign-in's (AUTH_PREFIX), or one of the web client's files. */
  private serve(request: IncomingMessage, response: ServerResponse): void {
    if (!pathOf(request).startsWith(AUTH_PREFIX)) return this.files!.serve(request, response);
    this.auth!.serve(request, response, { origin: this.requesterOf(request), crossSite: !this.originAllowed(request) });
  }

  /**
   * Where a request comes from, as the account rules ask: its client's
   * address (behind a listed proxy, the one it names), and whether its
   * client's connection is encrypted: TLS to this port, or, from a listed
   * proxy, `X-Forwarded-Proto: https` (the proxy took TLS off).
   */
  private requesterOf(request: IncomingMessage): Origin {
    const socket = request.socket as AdmittedSocket;
    const peer = socket[ADMISSION]!.address;
    if (!this.trustedProxies.has(peer)) return { remoteAddress: peer, secure: socket instanceof TLSSocket };
    const proto = request.headers["x-forwarded-proto"];
    return { remoteAddress: this.forwardedClient(request) ?? peer, secure: socket instanceof TLSSocket || proto === "https" };
  }

  private upgrade(request: IncomingMessage, socket: AdmittedSocket, head: Buffer, acceptor: ConnectionAcceptor): void {
    const admission = socket[ADMISSION]!;
    socket.on("error", () => undefined);
    const path = pathOf(request);
    // null: the line protocol's own `/ws`.
    const door = path === "/ws" ? null : this.options.doors?.get(path);
    if (door === undefined) return refuseHttp(socket, "404 Not Found", "not found: WebSocket connections go to /ws\n");
    if (!this.originAllowed(request)) {
      this.logger.info({ remote: admission.address, origin: request.headers.origin }, "WebSocket refused: origin not allowed");
      return refuseHttp(socket, "403 Forbidden", "this origin may not open a WebSocket here\n");
    }
    if (!admission.perAddress) {
      // From a listed proxy: count the connection by its client's address from now on.
      const client = this.forwardedClient(request) ?? admission.address;
      acceptor.abandon(admission.address, null, false);
      const refusal = acceptor.admit(client);
      if (refusal !== null) {
        admission.opened = true; // counted out already
        return refuseHttp(socket, "503 Service Unavailable", `${refusalLine(refusal)}\n`);
      }
      admission.address = client;
      admission.perAddress = true;
    }
    const open = (account: string | undefined): void =>
      this.sockets.handleUpgrade(request, socket, head, (ws) => {
        admission.opened = true;
        admission.deadline.cancel();
        const opened = { ws, socket, remoteAddress: admission.address, batcher: this.batcher, account };
        const connection = door === null ? new WebSocketConnection(opened, this.frames, this.renderer!, this.codec!) : door(opened, acceptor);
        connection.attach(acceptor.open(connection));
      });
    // A browser's sign-in cookie: the connection opens signed in to its account, if it signs in to one (the store is asked only then).
    const token = signInToken(request);
    if (token === undefined) return open(undefined);
    acceptor.browserSignIns.accountOf(token).then(
      (account) => open(account ?? undefined),
      (error: unknown) => {
        this.logger.error({ remote: admission.address, err: error }, "reading a sign-in cookie failed");
        open(undefined);
      },
    );
  }

  /** The page's own origin (the host it asked for), a listed one, or none at all (not a browser). */
  private originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined || this.origins.has(origin)) return true;
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }

  /** The client named by a trusted proxy: the last address in X-Forwarded-For that is not a listed proxy. */
  private forwardedClient(request: IncomingMessage): string | undefined {
    const header = request.headers["x-forwarded-for"];
    const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((hop) => hop.trim());
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) return undefined;
      if (!this.trustedProxies.has(hop)) return hop;
    }
    return undefined;
  }
}

import type { CommandInput, CommandSyntax } from "../language";
import type { PluginEventData, Renderer } from "../events";
import type { ErrorReply, Farewell, Reply } from "../language";
import type { BrowserSignInsPort } from "./accounts.port";

/**
 * The text of a plugin's own event or reply kind for a door: `keys` are the
 * renderings the door looks for, in order (its own name, then a default);
 * null when the kind is unknown here or no rendering fits.
 */
export interface PluginEventRendering {
  render(plugin: string, name: string, keys: readonly string[], data: PluginEventData): string | null;
}

/**
 * A door's codec for one connection: the client's input read into the
 * core's commands, the core's replies said in the door's words.
 */
export interface ConnectionCodec {
  /**
   * The next command the client sent, decoded; an error for input the door
   * could not read (too long, not UTF-8 ...); null when nothing complete is
   * waiting. Pulled one at a time, so that the core can stop between
   * commands (one still running, a spent flood budget) and go on later.
   */
  nextCommand(): CommandInput | ErrorReply | null;
  /**
   * A reply to the command being handled (or to none: a farewell, a
   * command's late answer), in this door's words: the bytes to give to the
   * connection's `send`, or null when the door answers otherwise (IRC
   * answers once the command is handled, see commandHandled). `farewell`:
   * the last thing the client is told before the server closes the
   * connection.
   */
  encodeReply(reply: Reply, farewell: boolean): Uint8Array | null;
  /** What the client calls its user beside its name (IRC's realname), once it said; the other doors have none. */
  readonly realname?: string;
  /** The user name the client gave (IRC's USER, the "ident"), once it said; the other doors have none. */
  readonly ident?: string;
  /**
   * Whether its user hears what goes to everyone (see
   * Recipient.hearsEveryone): absent, always (every door but IRC, whose
   * user may be out of the lobby). Read at login, and again when the door
   * says it changed (ConnectionHandler.onModeChange).
   */
  readonly hearsEveryone?: boolean;
  /** Whether its user is invisible (see Profile.invisible: IRC's user mode `i`); absent, never. Read as `hearsEveryone` is. */
  readonly invisible?: boolean;
  /**
   * The protocol this door speaks ("line", "json" ...), as the door names
   * it: a session resumes only on a connection of the protocol it was made
   * on, where its client counts what it received as that protocol does.
   */
  readonly protocol: string;
  /**
   * How a replay (what a resumable session missed) is rendered for `send`:
   * the renderer of the bytes `send` takes.
   */
  readonly resumeRenderer: Renderer;
  /**
   * The command last taken by `nextCommand` has been handled: for a door
   * that answers a command only once it is done (IRC), the answer's bytes,
   * which the core gives to `send` as it does every reply (within the
   * client's send-queue limit); else null.
   */
  commandHandled?(): Uint8Array | null;
}

/**
 * One client connection, as a door (TCP, TLS, WebSocket, IRC, in-memory
 * ...) offers it to the core. In: commands, decoded by the door's codec.
 * Out: replies and events, which the door renders in its protocol.
 */
export interface Connection {
  /** The peer's address as text, for limits and logs. */
  readonly remoteAddress: string;
  /** Whether the connection is encrypted (TLS): others may be shown it (IRC's WHOIS). */
  readonly secure: boolean;
  /**
   * The account its door signed it in to before it opened (the web port:
   * a browser's sign-in cookie on the WebSocket's request), by its name as
   * registered: a login under that name signs in to it (see Room.login).
   */
  readonly account?: string;
  /** Between the door's protocol and the core's language, for this connection. */
  readonly codec: ConnectionCodec;
  /**
   * Queues bytes the codec encoded (or a replay of what `resumeRenderer`
   * rendered). A transport may coalesce the sends of one event-loop turn
   * into one write; order is kept.
   */
  send(bytes: Uint8Array): void;
  /** How events are rendered for this connection: its protocol's renderer. */
  readonly renderer: Renderer;
  /** Queues bytes `renderer` rendered (shared with other connections, never changed afterwards). */
  sendRendered(bytes: Uint8Array): void;
  /**
   * What this connection's output costs the process now: every byte sent
   * that the peer has not taken yet and that waits in this process, this
   * turn's included (and, where the transport keeps shared memory alive for
   * it, that memory). The core checks it before each send, against the
   * send-queue limit.
   */
  readonly pendingBytes: number;
  /** Stops delivering data to the handler until `resumeReading`. */
  pauseReading(): void;
  resumeReading(): void;
  /** Sends what is queued, then closes. `onClose` follows. */
  close(): void;
  /**
   * Drops the output that waits in this process and closes. Without a
   * `farewell`, at once. With one, it is sent after what the peer was
   * already handed (the kernel's buffers, what the transport was writing),
   * and the connection closes once it is written, or after a short linger
   * if the peer does not read. `onClose` follows.
   */
  destroy(farewell?: Farewell): void;
}

/** What the core does with a connection's events. */
export interface ConnectionHandler {
  /** More input arrived: `nextCommand` may have something. */
  onInput(): void;
  /** The peer will send nothing more (what it sent is decoded to the end); it may still read. */
  onEnd(): void;
  /** The connection is gone, for whatever reason. Called exactly once. */
  onClose(error?: Error): void;
  /**
   * The codec's `hearsEveryone` or `invisible` changed, for a logged-in
   * user: the core records it where others see it, and a user who left
   * everyone or came back is shown so to those who hear everyone, with
   * `words`, its words on leaving (IRC's PART message), if any. A handler
   * that never logs a user in (one that turns the connection away) need not
   * have it.
   */
  onModeChange?(words?: string): void;
}

/**
 * Why the core turns a new connection away. A transport that can still send
 * a line sends its farewell in its protocol; one that cannot (a TLS
 * handshake not done) just closes.
 */
export type Refusal = "server-full" | "too-many-connections" | "connection-rate-exceeded" | "server-shutdown";

/**
 * How a transport hands connections to the core, in two steps, so that a
 * connection counts against the limits from its TCP accept, before any
 * handshake (TLS, WebSocket) has cost the server anything.
 */
export interface ConnectionAcceptor {
  /** How plugins' own events and replies look, for the doors that render them. */
  readonly pluginEvents: PluginEventRendering;
  /** The commands' parameters, for a door that splits a line into them. */
  readonly syntax: CommandSyntax;
  /** The longest line a client may send (bytes), for a door that reads lines. */
  readonly maxLineBytes: number;
  /** Browsers' sign-ins to accounts, for a door that serves a web client (its cookies, and Connection.account). */
  readonly browserSignIns: BrowserSignInsPort;
  /**
   * A peer connected: counts it, by its address, against the connection
   * limits; null if admitted, else why not. An admitted connection is then
   * either opened or abandoned, exactly once. `perAddress` false counts it
   * in the total only: a trusted proxy's connection, whose client is known
   * (and admitted by its own address) only once its request is read.
   */
  admit(remoteAddress: string, perAddress?: boolean): Refusal | null;
  /** An admitted connection is ready (its handshake done): the core takes it over. */
  open(connection: Connection): ConnectionHandler;
  /**
   * An admitted connection that will never open: its handshake failed or
   * took too long, or (null) it closed as it was meant to (a web page was
   * served on it), or it goes on under its client's address.
   */
  abandon(remoteAddress: string, reason: HandshakeFailure | null, perAddress?: boolean): void;
}

/** Why an admitted connection never opened. */
export type HandshakeFailure = "handshake-failed" | "handshake-timeout";

export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
}

/** A source of connections: a listening socket, or a fake in tests. */
export interface TransportPort {
  /** A short name for logs, such as "tcp". */
  readonly name: string;
  /** Starts accepting; resolves once listening. */
  listen(acceptor: ConnectionAcceptor): Promise<ListeningAddress>;
  /** Stops accepting new connections; open ones are left to the core. */
  stopAccepting(): Promise<void>;
}

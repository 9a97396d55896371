import type { Socket } from "node:net";
import type { CommandInput, CommandSyntax, Farewell, Reply, SaidBefore } from "../../core/language";
import type { Renderer } from "../../core/events";
import type { ClockPort } from "../../core/ports/clock.port";
import type { ConnectionCodec, PluginEventRendering } from "../../core/ports/transport.port";
import { SocketConnection } from "../socket/socket-connection";
import { Life } from "../socket/socket-output";
import type { WriteBatcher } from "../socket/write-batcher";
import { LineDecoder } from "../wire/line-decoder";
import { answer, noticeText, type AnswerContext } from "./irc-answers";
import { local, translate, type Expectation, type IrcCommandContext, type Step } from "./irc-commands";
import { KeepAlive } from "./irc-keepalive";
import { parseIrcLine } from "./irc-message";
import { Registration } from "./irc-registration";
import { IRC_RENDERINGS, type IrcNames } from "./irc-renderer";
import { closingReason, encodeIrcLines, IrcLines } from "./irc-replies";
import type { WelcomeFacts } from "./irc-welcome";

export interface IrcSettings extends WelcomeFacts {
  readonly names: IrcNames;
  /** The core's idle timeout: a quiet client is sent a PING before it (0: never). */
  readonly idleTimeoutMs: number;
  /** Longest line a client may send, as for the line protocol. */
  readonly maxLineBytes: number;
  /** The core's clock: the keep-alive's time and timers. */
  readonly clock: ClockPort;
  /** Whether a user starts in the lobby (--irc-join-lobby). */
  readonly joinLobby: boolean;
}

/** What the core's commands and plugins' renderings are, for this door. */
export interface IrcCore {
  readonly syntax: CommandSyntax;
  readonly plugins: PluginEventRendering;
}

type Pending = Expectation & { replies: Reply[] };

/**
 * An IRC client as a core Connection: a codec between IRC and the core's
 * language. Each IRC line becomes commands of the core (IrcCommands: a
 * PRIVMSG to the lobby a MSG, to a nick a DM, a JOIN a JOIN and a MEMBERS
 * ...; one the door answers itself a PING, so that every IRC line costs
 * one line of the flood budget), taken by the core one at a time; the
 * core's typed replies to each are gathered until it says the command is
 * handled, then said in IRC (IrcAnswers); events reach the client through
 * the IRC renderer.
 */
export class IrcConnection extends SocketConnection implements ConnectionCodec, IrcCommandContext, AnswerContext {
  /** Its own codec: what it reads and says depends on where the connection stands (registration, channels, the commands waiting for answers). */
  readonly codec: ConnectionCodec = this;
  readonly registration = new Registration();
  readonly lines: IrcLines;
  readonly channels = new Set<string>();
  inLobby: boolean;
  invisible = false;
  operator = false;
  history: readonly SaidBefore[] = [];
  /** Commands translated from the client's lines, not yet taken by the core. */
  private readonly ready: Step[] = [];
  /** Commands the core took, in order, with the replies gathered for the first. */
  private readonly pending: Pending[] = [];
  private readonly decoder: LineDecoder;
  private readonly keepAlive: KeepAlive;
  /**
   * What others said between the LOGIN and the welcome burst: written after
   * it, so that the client has joined the lobby (and seen its history)
   * first. Counted as waiting output.
   */
  private beforeWelcome: Uint8Array[] | null = null;
  private beforeWelcomeBytes = 0;
  /** The welcome burst was handed to the core to send (and whether registration succeeded): what waited for it goes once it is sent. */
  private welcomeSaid: boolean | null = null;

  constructor(
    socket: Socket,
    remoteAddress: string,
    batcher: WriteBatcher,
    renderer: Renderer,
    private readonly settings: IrcSettings,
    private readonly core: IrcCore,
  ) {
    super(socket, remoteAddress, batcher, renderer);
    this.inLobby = settings.joinLobby;
    this.lines = new IrcLines(settings.names, () => this.registration.nick);
    this.decoder = new LineDecoder(settings.maxLineBytes, true);
    this.keepAlive = new KeepAlive(settings.clock, settings.idleTimeoutMs, () => this.say(`PING :${settings.names.server}`));
  }

  get syntax(): CommandSyntax {
    return this.core.syntax;
  }

  get facts(): WelcomeFacts {
    return this.settings;
  }

  get version(): string {
    return this.settings.version;
  }

  get realname(): string | undefined {
    return this.registration.realname;
  }

  get ident(): string | undefined {
    return this.registration.ident;
  }

  epochMs(): number {
    return this.settings.clock.epochMs();
  }

  /** In the lobby, the user hears everyone: the lobby is IRC's name for it. */
  get hearsEveryone(): boolean {
    return this.inLobby;
  }

  modesChanged(words?: string): void {
    this.handler?.onModeChange?.(words);
  }

  /** IRC sessions are not resumable (RESUMABLE is not offered here). */
  readonly protocol = "irc";

  get resumeRenderer(): Renderer {
    return this.renderer;
  }

  loggedIn(): void {
    this.keepAlive.start();
  }

  nextCommand(): CommandInput | null {
    for (;;) {
      const step = this.ready.shift();
      if (step !== undefined) {
        const { command, expectation } = step;
        // From the LOGIN on, events wait for the welcome burst.
        if (expectation.kind === "login") this.beforeWelcome = [];
        this.pending.push({ ...expectation, replies: [] });
        return command;
      }
      const line = this.decoder.next();
      if (line === null) return null;
      if (typeof line !== "string") {
        // Not UTF-8: refused as UTF8ONLY (advertised) has it, a standard reply naming no command, since none could be read.
        this.ready.push(...(line.error === "line-too-long" ? local(this.lines.numeric("417", ":Input line was too long")) : local(this.lines.fail("*", "INVALID_UTF8", "Your client sent text that is not UTF-8: set its character set to UTF-8."))));
        continue;
      }
      const message = parseIrcLine(line);
      if (message !== null) this.ready.push(...translate(message, this));
    }
  }

  /** The core's answers are gathered for the command being handled; a farewell (or an answer to no command) is said at once. */
  encodeReply(reply: Reply, farewell: boolean): Uint8Array | null {
    const head = this.pending[0];
    // QUIT's own answer: its closing line says the client's reason.
    if (farewell && !(reply.kind === "bye" && head?.kind === "quit")) return encodeIrcLines([this.lines.closing(closingReason(reply as Farewell))]);
    if (head !== undefined) {
      head.replies.push(reply);
      return null;
    }
    const text = this.noticeText(reply);
    return text === null ? null : encodeIrcLines([this.lines.notice(text)]);
  }

  send(bytes: Uint8Array): void {
    this.queue(bytes);
    // The welcome burst is out: the events that came meanwhile follow it.
    const welcomed = this.welcomeSaid;
    if (welcomed === null) return;
    this.welcomeSaid = null;
    this.afterWelcome(welcomed);
  }

  override sendRendered(bytes: Uint8Array): void {
    if (this.beforeWelcome === null) return super.sendRendered(bytes);
    this.beforeWelcome.push(bytes);
    this.beforeWelcomeBytes += bytes.byteLength;
  }

  override get pendingBytes(): number {
    return super.pendingBytes + this.beforeWelcomeBytes;
  }

  /**
   * The answer to the command handled, for the core to send; what waited for
   * the welcome burst follows it (see send).
   */
  commandHandled(): Uint8Array | null {
    const done = this.pending.shift();
    if (done === undefined) return null;
    const lines = answer(done, done.replies, this, (reply) => this.noticeText(reply));
    if (done.kind === "welcome") {
      if (lines.length === 0) this.afterWelcome(false);
      else this.welcomeSaid = this.registration.registered;
    }
    return lines.length === 0 ? null : encodeIrcLines(lines);
  }

  override close(): void {
    // The core's last words (QUIT's, a timeout's ...) are said before the socket closes.
    while (this.pending.length > 0) {
      const last = this.commandHandled();
      if (last !== null) this.send(last);
    }
    this.keepAlive.stop();
    super.close();
  }

  destroy(farewell?: Farewell): void {
    this.keepAlive.stop();
    this.destroyWith(farewell === undefined ? undefined : encodeIrcLines([this.lines.closing(closingReason(farewell))]));
  }

  /** @internal */
  received(chunk: Buffer): void {
    if (this.life !== Life.Open) return;
    this.keepAlive.heard();
    this.decoder.push(chunk);
    this.handler!.onInput();
  }

  /** @internal */
  override ended(): void {
    this.decoder.endOfInput();
    super.ended();
  }

  /** @internal */
  override closed(): void {
    this.keepAlive.stop();
    super.closed();
  }

  /** Writes what waited for the welcome (or lets it go: registration failed, or the connection is going). */
  private afterWelcome(write: boolean): void {
    const waiting = this.beforeWelcome ?? [];
    this.beforeWelcome = null;
    this.beforeWelcomeBytes = 0;
    if (write) for (const bytes of waiting) super.sendRendered(bytes);
  }

  private noticeText(reply: Reply): string | null {
    return noticeText(reply, ({ plugin, name, data }) => this.core.plugins.render(plugin, name, IRC_RENDERINGS, data));
  }

  private say(...lines: string[]): void {
    if (lines.length > 0) this.queue(encodeIrcLines(lines));
  }
}

import type { Socket } from "node:net";
import type { Renderer } from "../../core/events";
import type { ClockPort, Timer } from "../../core/ports/clock.port";
import { LineDecoder, type LineError } from "../../core/protocol/line-decoder";
import { escapeEveryoneText, isValidUsername, stripControlCharacters } from "../../core/protocol/text";
import { SocketConnection } from "../net/socket-connection";
import { Life } from "../net/socket-output";
import type { WriteBatcher } from "../net/write-batcher";
import { IrcMask } from "./irc-mask";
import { fitText, parseIrcLine, type IrcMessage } from "./irc-message";
import { userPrefix, type IrcNames } from "./irc-renderer";

export interface IrcSettings {
  readonly names: IrcNames;
  /** The core's idle timeout: a quiet client is sent a PING before it (0: never). */
  readonly idleTimeoutMs: number;
  /** Longest line a client may send, as for the line protocol. */
  readonly maxLineBytes: number;
  /** Rooms one user may be in (0: no limit): CHANLIMIT. */
  readonly maxRoomsPerUser: number;
  /** The core's clock: the keep-alive's time and timers. */
  readonly clock: ClockPort;
  /** The software's name and version, for 002, 004 and VERSION. */
  readonly version: string;
  /** When the server started, for 003. */
  readonly created: Date;
}

const LOBBY_TOPIC = "Everyone on this server, whatever they connect with";

/** What a line given to the core is for, and how its answers become IRC. */
type Expectation =
  /**
   * A command the adapter answers itself: the core only sees a PING
   * (activity, flood budget), its PONG is dropped, and `lines` are said in
   * their turn, after the answers to the lines before.
   */
  | { readonly kind: "local"; readonly lines: readonly string[] }
  | { readonly kind: "ping"; readonly token: string }
  | { readonly kind: "login"; readonly nick: string; readonly earlier: string[] }
  /** Sent with the LOGIN: who is online, for the welcome burst and the lobby's names (if the login succeeded). */
  | { readonly kind: "welcome"; readonly earlier: readonly string[] }
  | { readonly kind: "message"; readonly target: string; readonly notice: boolean }
  | { readonly kind: "join"; readonly channel: string }
  | { readonly kind: "part"; readonly channel: string }
  /** `afterJoin`: sent with a JOIN, and answered only if the JOIN was. */
  | { readonly kind: "names"; readonly channel: string; readonly afterJoin?: boolean }
  /** `matcher`: a mask's, compiled once; a channel's WHO (no matcher) lists every member. */
  | { readonly kind: "who"; readonly mask: string; readonly matcher?: IrcMask }
  | { readonly kind: "whois"; readonly nick: string }
  | { readonly kind: "userhost"; readonly nicks: readonly string[]; readonly numeric: "302" | "303" }
  /** LIST is two lines: WHO (the lobby's users) then ROOMS; `count` carries the first's answer to the second. */
  | { readonly kind: "list-count"; readonly count: { users: number } }
  | { readonly kind: "list"; readonly count: { users: number } }
  | { readonly kind: "lusers" }
  | { readonly kind: "quit"; readonly message: string };

type Pending = Expectation & { replies: string[] };

const enum Registration {
  /** Waiting for NICK and USER (and CAP END, if CAP negotiation began). */
  Open,
  /** LOGIN sent to the core. */
  LoggingIn,
  Registered,
}

/** The core's last words before it closes a connection (QUIT's are QUIT's answer). */
const CLOSING_LINES = new Set(["ERR idle-timeout", "INFO server-shutdown", "ERR username-taken", "ERR send-queue-exceeded"]);

/** A user's reason, as the closing ERROR says it. */
function closingReason(line: string): string {
  switch (line) {
    case "INFO bye":
      return "Quit";
    case "ERR idle-timeout":
      return "Ping timeout";
    case "INFO server-shutdown":
      return "Server shutting down";
    case "ERR send-queue-exceeded":
      return "SendQ exceeded";
    case "ERR username-taken":
      return "Nickname taken elsewhere";
    default:
      return line;
  }
}

/** Longest word echoed back (twice the longest name): a reply never carries a client's 4 KB line back. */
const MAX_ECHO = 64;

/**
 * A word the client sent, as a reply's middle parameter echoes it: no
 * control character (see `encode`), nothing from a space on (a trailing
 * parameter used as a target would split the reply), no leading colon
 * (which would start the reply's trailing parameter), "*" if nothing is left.
 */
function echo(word: string): string {
  const text = stripControlCharacters(word).split(" ", 1)[0]!.replace(/^:+/, "").slice(0, MAX_ECHO);
  return text === "" ? "*" : text;
}

/**
 * An IRC client as a core Connection. Its commands are translated into the
 * line protocol's (PRIVMSG #lobby into MSG, a PRIVMSG to a nick into DM,
 * JOIN #room into JOIN, NAMES into WHO ...), so that the plugins, hooks,
 * flood control and limits serve IRC users as they serve everyone; every
 * IRC line costs one line of the flood budget (a command the adapter
 * answers itself is a PING to the core). The core's answers to each line
 * are gathered until it says the line is handled, then said in IRC
 * (numerics); events reach the client through the IRC renderer.
 */
export class IrcConnection extends SocketConnection {
  private registration = Registration.Open;
  private nick: string | null = null;
  private userGiven = false;
  private negotiatingCaps = false;
  private away = false;
  /** Channels (rooms) the core confirmed this user is in, by lower-case name. */
  private readonly channels = new Set<string>();
  private readonly pending: Pending[] = [];
  private readonly decoder: LineDecoder;
  private lastInput: number;
  private pingTimer: Timer | null = null;
  /**
   * What others said between the LOGIN and the welcome burst: written after
   * it, so that the client has joined the lobby (and seen its history)
   * first. Counted as waiting output.
   */
  private beforeWelcome: Uint8Array[] | null = null;
  private beforeWelcomeBytes = 0;

  constructor(
    socket: Socket,
    remoteAddress: string,
    batcher: WriteBatcher,
    renderer: Renderer,
    private readonly settings: IrcSettings,
  ) {
    super(socket, remoteAddress, batcher, renderer);
    this.decoder = new LineDecoder(settings.maxLineBytes, true);
    this.lastInput = settings.clock.now();
  }

  override sendRendered(bytes: Uint8Array): void {
    if (this.beforeWelcome === null) return super.sendRendered(bytes);
    this.beforeWelcome.push(bytes);
    this.beforeWelcomeBytes += bytes.byteLength;
  }

  override get pendingBytes(): number {
    return super.pendingBytes + this.beforeWelcomeBytes;
  }

  /** Writes what waited for the welcome (or lets it go: registration failed, or the connection is going). */
  private afterWelcome(write: boolean): void {
    const waiting = this.beforeWelcome ?? [];
    this.beforeWelcome = null;
    this.beforeWelcomeBytes = 0;
    if (write) for (const bytes of waiting) super.sendRendered(bytes);
  }

  /** The core's answers: gathered for the line being handled, or said at once when no line is. */
  send(bytes: Uint8Array): void {
    const lines = Buffer.from(bytes).toString("utf8").split("\n");
    lines.pop();
    const head = this.pending[0];
    for (const line of lines) {
      if (head !== undefined && !this.isClosing(line)) head.replies.push(line);
      else this.unsolicited(line);
    }
  }

  lineHandled(): void {
    const done = this.pending.shift();
    if (done !== undefined) this.translate(done);
  }

  override close(): void {
    // The core's last words (INFO bye, ERR idle-timeout ...) are said before the socket closes.
    for (const done of this.pending.splice(0)) this.translate(done);
    this.stopPinging();
    super.close();
  }

  override destroy(farewell?: Uint8Array): void {
    this.stopPinging();
    const last = farewell === undefined ? undefined : Buffer.from(farewell).toString("utf8").trim();
    super.destroy(last === undefined ? undefined : this.encode([`ERROR :Closing Link: ${this.nick ?? "*"} (${closingReason(last)})`]));
  }

  /** @internal */
  received(chunk: Buffer): void {
    if (this.life !== Life.Open) return;
    this.lastInput = this.settings.clock.now();
    this.decoder.push(chunk);
    for (let line = this.decoder.next(); line !== null; line = this.decoder.next()) {
      if (typeof line !== "string") this.refuseLine(line.error);
      else this.line(line);
      if (this.life !== Life.Open) return;
    }
  }

  /** @internal */
  override closed(): void {
    this.stopPinging();
    super.closed();
  }

  /** @internal The server's own PING, to a client quiet for half the idle timeout: IRC clients count on it. */
  pingIfQuiet(): void {
    this.pingTimer = null;
    if (this.life !== Life.Open) return;
    const half = this.settings.idleTimeoutMs / 2;
    const { clock, names } = this.settings;
    const quiet = clock.now() - this.lastInput;
    if (quiet >= half) this.say(`PING :${names.server}`);
    this.pingTimer = clock.schedule(quiet >= half ? half : half - quiet, () => this.pingIfQuiet());
  }

  // Input

  private refuseLine(error: LineError): void {
    if (error === "line-too-long") return this.numeric("417", ":Input line was too long");
    this.local(this.noticeLine("Your client sent text that is not UTF-8: set its character set to UTF-8."));
  }

  private line(text: string): void {
    const message = parseIrcLine(text);
    if (message === null) return;
    this.command(message);
  }

  /** Gives the core a line, and says what its answers mean. */
  private core(line: string, expectation: Expectation): void {
    this.pending.push({ ...expectation, replies: [] });
    this.handler!.onData(Buffer.from(`${line}\n`));
  }

  /** A command answered here: the core sees a PING, so that it counts as activity and against the budget. */
  private local(...lines: string[]): void {
    this.core("PING", { kind: "local", lines });
  }

  private command({ command, params }: IrcMessage): void {
    const registered = this.registration === Registration.Registered;
    switch (command) {
      case "CAP":
        return this.cap(params);
      case "PASS":
        return registered ? this.local(this.numericLine("462", ":You may not reregister")) : this.local();
      case "NICK":
        return this.nickCommand(params[0]);
      case "USER":
        if (registered) return this.local(this.numericLine("462", ":You may not reregister"));
        if (params.length < 4) return this.local(this.numericLine("461", "USER :Not enough parameters"));
        this.userGiven = true;
        return this.register();
      case "PING":
        if (params.length < 1) return this.local(this.numericLine("409", ":No origin specified"));
        return this.core("PING", { kind: "ping", token: params[0]! });
      case "PONG":
        return this.local();
      case "QUIT":
        return this.core("QUIT", { kind: "quit", message: params[0] ?? "" });
    }
    if (!registered) return this.local(this.numericLine("451", ":You have not registered"));
    switch (command) {
      case "PRIVMSG":
      case "NOTICE":
        return this.privmsg(command === "NOTICE", params);
      case "JOIN":
        return this.join(params[0]);
      case "PART":
        return this.part(params[0]);
      case "NAMES":
        return this.names((params[0] ?? this.settings.names.lobby).split(",")[0]!);
      case "TOPIC":
        return this.topic(params);
      case "LIST": {
        const count = { users: 0 };
        this.core("WHO", { kind: "list-count", count });
        return this.core("ROOMS", { kind: "list", count });
      }
      case "WHO":
        return this.who(params[0] ?? "*");
      case "WHOIS":
        if (params.length < 1) return this.local(this.numericLine("431", ":No nickname given"));
        return this.core("WHO", { kind: "whois", nick: params.at(-1)! });
      case "USERHOST":
      case "ISON":
        if (params.length < 1) return this.local(this.numericLine("461", `${command} :Not enough parameters`));
        return this.core("WHO", { kind: "userhost", nicks: params.flatMap((param) => param.split(" ")).filter(Boolean).slice(0, 5), numeric: command === "ISON" ? "303" : "302" });
      case "MODE":
        return this.mode(params);
      case "AWAY":
        this.away = params.length > 0 && params[0] !== "";
        return this.local(this.away ? this.numericLine("306", ":You have been marked as being away") : this.numericLine("305", ":You are no longer marked as being away"));
      case "MOTD":
        return this.local(this.numericLine("422", ":MOTD File is missing"));
      case "VERSION":
        return this.local(this.numericLine("351", `${this.settings.version} ${this.settings.names.server} :a chat server for TCP, WebSocket and IRC`));
      case "LUSERS":
        return this.core("WHO", { kind: "lusers" });
      default:
        return this.local(this.numericLine("421", `${echo(command)} :Unknown command`));
    }
  }

  private cap(params: readonly string[]): void {
    const sub = (params[0] ?? "").toUpperCase();
    const who = this.nick ?? "*";
    switch (sub) {
      case "LS":
        if (this.registration !== Registration.Registered) this.negotiatingCaps = true;
        return this.local(`:${this.settings.names.server} CAP ${who} LS :`);
      case "LIST":
        return this.local(`:${this.settings.names.server} CAP ${who} LIST :`);
      case "REQ":
        if (this.registration !== Registration.Registered) this.negotiatingCaps = true;
        return this.local(`:${this.settings.names.server} CAP ${who} NAK :${params[1] ?? ""}`);
      case "END":
        this.negotiatingCaps = false;
        return this.register();
      default:
        return this.local(this.numericLine("410", `${echo(sub)} :Invalid CAP command`));
    }
  }

  private nickCommand(nick: string | undefined): void {
    if (nick === undefined || nick === "") return this.local(this.numericLine("431", ":No nickname given"));
    if (this.registration !== Registration.Open) {
      if (nick === this.nick) return this.local();
      return this.local(this.numericLine("447", `${echo(nick)} :Nicknames cannot change here: they are the name you logged in with`));
    }
    if (!isValidUsername(nick)) return this.local(this.numericLine("432", `${echo(nick)} :Erroneous nickname`));
    this.nick = nick;
    this.register();
  }

  /** NICK and USER given, CAP negotiation (if any) over: log in. */
  private register(): void {
    if (this.registration !== Registration.Open || this.nick === null || !this.userGiven || this.negotiatingCaps) return this.local();
    this.registration = Registration.LoggingIn;
    this.beforeWelcome = [];
    // Both lines at once, so that the welcome comes before the answers to
    // whatever the client sends next.
    const earlier: string[] = [];
    this.core(`LOGIN ${this.nick}`, { kind: "login", nick: this.nick, earlier });
    this.core("WHO", { kind: "welcome", earlier });
  }

  private privmsg(notice: boolean, params: readonly string[]): void {
    const target = params[0];
    if (target === undefined || target === "") return notice ? this.local() : this.local(this.numericLine("411", ":No recipient given (PRIVMSG)"));
    let text = params[1] ?? "";
    // CTCP ACTION (/me) becomes plain text; other CTCP requests are not answered.
    if (text.startsWith("\u0001")) {
      if (!text.startsWith("\u0001ACTION ")) return this.local();
      text = `* ${text.slice(8).replace(/\u0001$/, "")}`;
    }
    if (text === "") return notice ? this.local() : this.local(this.numericLine("412", ":No text to send"));
    if (target.includes(",")) return this.local(this.numericLine("407", `${echo(target)} :Too many recipients`));
    const { lobby } = this.settings.names;
    if (target.toLowerCase() === lobby.toLowerCase()) return this.core(`MSG ${escapeEveryoneText(text)}`, { kind: "message", target, notice });
    if (target.startsWith("#")) {
      if (!this.channels.has(target.toLowerCase())) return notice ? this.local() : this.local(this.numericLine("404", `${echo(target)} :Cannot send to channel (not joined)`));
      return this.core(`MSG ${target} ${text}`, { kind: "message", target, notice });
    }
    return this.core(`DM ${target} ${text}`, { kind: "message", target, notice });
  }

  private join(channels: string | undefined): void {
    if (channels === undefined || channels === "") return this.local(this.numericLine("461", "JOIN :Not enough parameters"));
    const channel = channels.split(",")[0]!;
    if (channel === "0") return this.local(this.numericLine("421", "JOIN :JOIN 0 is not supported here: PART each channel"));
    if (channel.toLowerCase() === this.settings.names.lobby.toLowerCase()) return this.local(); // everyone is in it already
    if (!channel.startsWith("#")) return this.local(this.numericLine("403", `${echo(channel)} :No such channel`));
    this.core(`JOIN ${channel}`, { kind: "join", channel });
    this.core(`MEMBERS ${channel}`, { kind: "names", channel: channel.toLowerCase(), afterJoin: true });
  }

  private part(channels: string | undefined): void {
    if (channels === undefined || channels === "") return this.local(this.numericLine("461", "PART :Not enough parameters"));
    const channel = channels.split(",")[0]!;
    if (channel.toLowerCase() === this.settings.names.lobby.toLowerCase()) {
      // The lobby is everyone on the server: one leaves it by leaving (QUIT).
      return this.local(this.noticeLine(`You cannot leave ${channel}: it is everyone on this server. /quit to leave.`));
    }
    if (!channel.startsWith("#")) return this.local(this.numericLine("403", `${echo(channel)} :No such channel`));
    this.core(`PART ${channel}`, { kind: "part", channel });
  }

  private names(channel: string): void {
    if (channel.toLowerCase() === this.settings.names.lobby.toLowerCase()) return this.core("WHO", { kind: "names", channel: this.settings.names.lobby });
    if (!channel.startsWith("#")) return this.local(this.numericLine("366", `${echo(channel)} :End of /NAMES list`));
    this.core(`MEMBERS ${channel}`, { kind: "names", channel });
  }

  private topic(params: readonly string[]): void {
    const channel = params[0];
    if (channel === undefined) return this.local(this.numericLine("461", "TOPIC :Not enough parameters"));
    if (params.length > 1) return this.local(this.numericLine("482", `${echo(channel)} :Topics cannot be set here`));
    if (channel.toLowerCase() === this.settings.names.lobby.toLowerCase()) return this.local(this.numericLine("332", `${this.settings.names.lobby} :${LOBBY_TOPIC}`));
    if (this.channels.has(channel.toLowerCase())) return this.local(this.numericLine("331", `${echo(channel)} :No topic is set`));
    return this.local(this.numericLine("442", `${echo(channel)} :You're not on that channel`));
  }

  private who(mask: string): void {
    if (mask.startsWith("#")) {
      if (mask.toLowerCase() === this.settings.names.lobby.toLowerCase()) return this.core("WHO", { kind: "who", mask });
      return this.core(`MEMBERS ${mask}`, { kind: "who", mask });
    }
    const matcher = IrcMask.compile(mask);
    // Too long to match any name: answered here, without listing everyone.
    if (matcher === null) return this.local(this.endOfWho(mask));
    this.core("WHO", { kind: "who", mask, matcher });
  }

  private endOfWho(mask: string): string {
    return this.numericLine("315", `${echo(mask)} :End of /WHO list`);
  }

  private mode(params: readonly string[]): void {
    const [target, change] = params;
    if (target === undefined) return this.local(this.numericLine("461", "MODE :Not enough parameters"));
    if (target.startsWith("#")) {
      if (change !== undefined && change !== "b" && change !== "+b") return this.local(this.numericLine("482", `${echo(target)} :Channel modes cannot be set here`));
      if (change !== undefined) return this.local(this.numericLine("368", `${echo(target)} :End of channel ban list`));
      return this.local(this.numericLine("324", `${echo(target)} +nt`));
    }
    if (target.toLowerCase() !== (this.nick ?? "").toLowerCase()) return this.local(this.numericLine("502", ":Can't change mode for other users"));
    if (change !== undefined) return this.local(this.numericLine("501", ":User modes cannot be set here"));
    return this.local(this.numericLine("221", "+i"));
  }

  // Answers

  /** The core's answers to one line, in IRC. */
  private translate(done: Pending): void {
    const { replies } = done;
    const error = replies.find((line) => line.startsWith("ERR "));
    switch (done.kind) {
      case "local":
        return this.say(...done.lines);
      case "ping":
        return this.say(`:${this.settings.names.server} PONG ${this.settings.names.server} :${done.token}`);
      case "login":
        return this.loggedIn(done, replies);
      case "welcome":
        if (this.registration === Registration.Registered) this.welcome(replies, done.earlier);
        return this.afterWelcome(this.registration === Registration.Registered);
      case "message":
        if (error !== undefined && !done.notice) this.messageError(done.target, error);
        return;
      case "join":
        return this.joined(done.channel, replies);
      case "part":
        if (replies[0] === "OK") {
          this.channels.delete(done.channel.toLowerCase());
          return this.say(`:${this.prefix()} PART ${done.channel.toLowerCase()}`);
        }
        return this.channelError(done.channel, error);
      case "names":
        if (done.afterJoin && !this.channels.has(done.channel)) return;
        return this.namesReply(done.channel, usersIn(replies));
      case "who": {
        const { mask, matcher } = done;
        const channel = matcher === undefined ? mask : "*";
        const users = usersIn(replies).filter((user) => matcher?.matches(user) ?? true);
        return this.say(...users.map((user) => this.whoLine(channel, user)), this.endOfWho(mask));
      }
      case "whois": {
        const user = usersIn(replies).find((name) => name.toLowerCase() === done.nick.toLowerCase());
        if (user === undefined) return this.say(this.numericLine("401", `${echo(done.nick)} :No such nick/channel`), this.numericLine("318", `${echo(done.nick)} :End of /WHOIS list`));
        const { server } = this.settings.names;
        return this.say(
          this.numericLine("311", `${user} ${user} ${server} * :${user}`),
          this.numericLine("312", `${user} ${server} :${server}`),
          this.numericLine("318", `${user} :End of /WHOIS list`),
        );
      }
      case "userhost": {
        const online = new Map(usersIn(replies).map((user) => [user.toLowerCase(), user]));
        const found = done.nicks.map((nick) => online.get(nick.toLowerCase())).filter((nick) => nick !== undefined);
        const text = done.numeric === "302" ? found.map((nick) => `${nick}=+${nick}@${this.settings.names.server}`).join(" ") : found.join(" ");
        return this.say(this.numericLine(done.numeric, `:${text}`));
      }
      case "list-count":
        done.count.users = usersIn(replies).length;
        return;
      case "list":
        return this.listed(done.count.users, replies);
      case "lusers": {
        const count = usersIn(replies).length;
        return this.say(this.numericLine("251", `:There are ${count} users and 0 invisible on 1 servers`), this.numericLine("255", `:I have ${count} clients and 1 servers`));
      }
      case "quit":
        return this.say(`ERROR :Closing Link: ${this.nick ?? "*"} (${done.message === "" ? "Quit" : `Quit: ${done.message}`})`);
    }
  }

  private loggedIn({ nick, earlier }: Pending & { kind: "login" }, replies: readonly string[]): void {
    if (replies[0] !== "OK") {
      this.registration = Registration.Open;
      this.nick = null;
      const code = replies[0] ?? "";
      if (code === "ERR username-taken") return this.say(this.numericLine("433", `${nick} :Nickname is already in use`, "*"));
      if (code === "ERR invalid-username") return this.say(this.numericLine("432", `${nick} :Erroneous nickname`, "*"));
      return this.notice(`Cannot log in now (${code}); try again.`);
    }
    this.registration = Registration.Registered;
    // History a plugin replayed, to be shown after the lobby's names.
    earlier.push(...replies.filter((line) => line.startsWith("HISTORY ")));
    if (this.settings.idleTimeoutMs > 0) this.pingIfQuiet();
  }

  /** The welcome burst, as clients expect it after registration: 001-005, LUSERS, MOTD, then the lobby. */
  private welcome(replies: readonly string[], earlier: readonly string[]): void {
    const { server, lobby } = this.settings.names;
    const users = usersIn(replies);
    const nick = this.nick!;
    this.say(
      this.numericLine("001", `:Welcome to the ${server} chat, ${userPrefix(nick, this.settings.names)}`),
      this.numericLine("002", `:Your host is ${server}, running version ${this.settings.version}`),
      this.numericLine("003", `:This server was created ${this.settings.created.toUTCString()}`),
      this.numericLine("004", `${server} ${this.settings.version} i nt`),
      this.numericLine(
        "005",
        `CASEMAPPING=ascii CHANTYPES=# PREFIX=() CHANMODES=,,,nt NICKLEN=32 CHANNELLEN=33 TOPICLEN=0 NETWORK=${server} TARGMAX=PRIVMSG:1,NOTICE:1 CHANLIMIT=#:${this.settings.maxRoomsPerUser || ""} :are supported by this server`,
      ),
      this.numericLine("251", `:There are ${users.length} users and 0 invisible on 1 servers`),
      this.numericLine("254", "1 :channels formed"),
      this.numericLine("255", `:I have ${users.length} clients and 1 servers`),
      this.numericLine("422", ":MOTD File is missing"),
      `:${this.prefix()} JOIN ${lobby}`,
      this.numericLine("332", `${lobby} :${LOBBY_TOPIC}`),
    );
    this.namesReply(lobby, users);
    for (const line of earlier) {
      const [, from, ...words] = line.split(" ");
      const head = `:${userPrefix(from!, this.settings.names)} PRIVMSG ${lobby} :`;
      this.say(...fitText(head, words.join(" ")).map((part) => head + part));
    }
  }

  private joined(channel: string, replies: readonly string[]): void {
    const answer = replies[0] ?? "";
    if (answer === "OK" || answer.startsWith("ERR already-in-room")) {
      const name = channel.toLowerCase();
      const fresh = !this.channels.has(name);
      this.channels.add(name);
      if (fresh) this.say(`:${this.prefix()} JOIN ${name}`, this.numericLine("331", `${name} :No topic is set`));
      return;
    }
    this.channelError(channel, answer);
  }

  private listed(users: number, replies: readonly string[]): void {
    const rooms = replies.filter((line) => line.startsWith("ROOM ")).map((line) => line.split(" "));
    this.say(
      this.numericLine("321", "Channel :Users  Name"),
      this.numericLine("322", `${this.settings.names.lobby} ${users} :${LOBBY_TOPIC}`),
      ...rooms.map(([, name, members]) => this.numericLine("322", `${name} ${members} :`)),
      this.numericLine("323", ":End of /LIST"),
    );
  }

  private namesReply(channel: string, users: readonly string[]): void {
    const head = `:${this.settings.names.server} 353 ${this.nick} = ${channel} :`;
    const lines: string[] = [];
    let line = "";
    for (const user of users) {
      if (Buffer.byteLength(head + line + user) + 3 > 512) {
        lines.push(head + line.trimEnd());
        line = "";
      }
      line += `${user} `;
    }
    if (line !== "") lines.push(head + line.trimEnd());
    this.say(...lines, this.numericLine("366", `${echo(channel)} :End of /NAMES list`));
  }

  private messageError(target: string, error: string): void {
    const [, code] = error.split(" ");
    if (code === "user-not-found") return this.say(this.numericLine("401", `${echo(target)} :No such nick/channel`));
    if (code === "not-in-room" || code === "invalid-room") return this.say(this.numericLine("404", `${echo(target)} :Cannot send to channel`));
    if (code === "empty-message") return this.say(this.numericLine("412", ":No text to send"));
    this.notice(`Not sent to ${target}: ${error}`);
  }

  private channelError(channel: string, error: string | undefined): void {
    if (error?.startsWith("ERR not-in-room")) return this.say(this.numericLine("442", `${echo(channel)} :You're not on that channel`));
    if (error?.startsWith("ERR invalid-room")) return this.say(this.numericLine("479", `${echo(channel)} :Illegal channel name`));
    if (error?.startsWith("ERR too-many-rooms")) return this.say(this.numericLine("405", `${echo(channel)} :You have joined too many channels`));
    if (error?.startsWith("ERR rooms-full")) return this.say(this.numericLine("437", `${echo(channel)} :Cannot make a new channel: this server holds as many as it may`));
    if (error?.startsWith("ERR unknown-command")) return this.say(this.numericLine("403", `${echo(channel)} :No such channel (this server has no rooms)`));
    this.notice(`${channel}: ${error ?? "no answer"}`);
  }

  /** An answer nobody asked for: the core's last words, mostly. */
  /** The core's last words: said at once, whatever line is being handled (a LOGIN's username-taken is not: only an eviction's is). */
  private isClosing(line: string): boolean {
    return CLOSING_LINES.has(line) && (line !== "ERR username-taken" || this.registration === Registration.Registered);
  }

  private unsolicited(line: string): void {
    if (this.isClosing(line)) return this.say(`ERROR :Closing Link: ${this.nick ?? "*"} (${closingReason(line)})`);
    this.notice(line);
  }

  // Output

  private prefix(): string {
    return userPrefix(this.nick ?? "*", this.settings.names);
  }

  private numericLine(code: string, text: string, nick = this.nick ?? "*"): string {
    return `:${this.settings.names.server} ${code} ${nick} ${text}`;
  }

  private numeric(code: string, text: string): void {
    this.say(this.numericLine(code, text));
  }

  private noticeLine(text: string): string {
    return `:${this.settings.names.server} NOTICE ${this.nick ?? "*"} :${text}`;
  }

  private notice(text: string): void {
    this.say(this.noticeLine(text));
  }

  private whoLine(channel: string, user: string): string {
    const { server } = this.settings.names;
    return this.numericLine("352", `${channel} ${user} ${server} ${server} ${user} H :0 ${user}`);
  }

  private say(...lines: string[]): void {
    if (lines.length > 0) this.queue(this.encode(lines));
  }

  /** The lines this connection writes itself, each without a control character, whatever of the client's it echoes. */
  private encode(lines: readonly string[]): Buffer {
    return Buffer.from(`${lines.map(stripControlCharacters).join("\r\n")}\r\n`);
  }

  private stopPinging(): void {
    this.pingTimer?.cancel();
    this.pingTimer = null;
  }
}

/** The names in a WHO's (USER ...) or MEMBERS's (MEMBER ...) answer. */
function usersIn(replies: readonly string[]): string[] {
  return replies.filter((line) => line.startsWith("USER ") || line.startsWith("MEMBER ")).map((line) => line.slice(line.indexOf(" ") + 1));
}

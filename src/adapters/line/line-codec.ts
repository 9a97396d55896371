import { type CommandInput, type CommandSyntax, error, type ErrorReply, type Reply, type UserProfile } from "../../core/language";
import type { Renderer } from "../../core/events";
import type { ConnectionAcceptor, ConnectionCodec, PluginEventRendering, Refusal } from "../../core/ports/transport.port";
import { stripControlCharacters } from "../../core/text";
import { LineDecoder } from "../wire/line-decoder";
import { encodeLine } from "../wire/shared-lines";
import { LINE_RENDERINGS, LineRenderer } from "./line-renderer";
import { echoWord, refusalLine, splitFirstWord, unescapeEveryoneText } from "./line-text";

/** Errors whose subject is a word the client sent (a verb, a name), echoed back with care (echoWord). */
const ECHOED = new Set(["unknown-command", "user-not-found", "user-not-in-room"]);

/** A list's lines, then the line that ends it. */
function listed(lines: readonly string[], end: string): string {
  return lines.length === 0 ? end : `${lines.join("\n")}\n${end}`;
}

/** A listed user's line (`USER` or `MEMBER`), with the account it is signed in to (`*`: a guest) when the command asked for profiles. */
function userLine(word: string, user: string, profiles: readonly (UserProfile | null)[] | undefined, index: number): string {
  return profiles === undefined ? `${word} ${user}` : `${word} ${user} ${profiles[index]?.account ?? "*"}`;
}

/** The line protocol's words for a reply (several lines joined by LF), or null for none. */
function replyText(reply: Reply, plugins: PluginEventRendering): string | null {
  switch (reply.kind) {
    case "ok":
      return "OK";
    case "error": {
      const { code, subject } = reply;
      if (subject === undefined || subject === "") return `ERR ${code}`;
      return `ERR ${code} ${ECHOED.has(code) ? echoWord(subject) : stripControlCharacters(subject)}`;
    }
    case "pong":
      return "PONG";
    case "sent":
      return null; // the line protocol answers a message nothing (no echo, no id)
    case "users":
      return listed(reply.users.map((user, index) => userLine("USER", user, reply.profiles, index)), "END WHO");
    case "rooms":
      return listed(reply.rooms.map(({ name, members }) => `ROOM ${name} ${members}`), "END ROOMS");
    case "members":
      return listed(reply.members.map((member, index) => userLine("MEMBER", member, reply.profiles, index)), "END MEMBERS");
    case "history":
      return listed(reply.messages.map(({ from, text }) => `HISTORY ${from} ${text}`), "END HISTORY");
    case "token":
      return `TOKEN ${reply.token}`;
    case "resumed":
      return `RESUMED ${reply.username} ${reply.token}`;
    case "plugin":
      return plugins.render(reply.plugin, reply.name, LINE_RENDERINGS, reply.data);
    case "text":
      return reply.text;
    case "bye":
      return "INFO bye";
    case "server-shutdown":
      return "INFO server-shutdown";
  }
}

/**
 * The line protocol as a codec (docs/PROTOCOL.md): lines in, split into
 * the core's commands; replies and events out, as lines. One for every
 * connection of a door (TCP and TLS, `/ws`, the test kit's in-memory one).
 */
export class LineCodec {
  /** Events as lines; shared by every connection, so that each is rendered once. */
  readonly renderer: LineRenderer;

  constructor(
    readonly syntax: CommandSyntax,
    private readonly plugins: PluginEventRendering,
    private readonly maxLineBytes: number,
  ) {
    this.renderer = new LineRenderer(plugins);
  }

  /** A reply's lines, LF-ended; null when it has none. */
  encodeReply(reply: Reply): Uint8Array | null {
    const text = replyText(reply, this.plugins);
    return text === null ? null : encodeLine(text);
  }

  /** The codec of one connection: its lines read, its replies said. */
  input(): LineInput {
    return new LineInput(new LineDecoder(this.maxLineBytes), this);
  }
}

const codecs = new WeakMap<ConnectionAcceptor, LineCodec>();

/** The line codec of a server's line doors: one, so that an event is rendered once for all of them. */
export function lineCodecOf(acceptor: ConnectionAcceptor): LineCodec {
  let codec = codecs.get(acceptor);
  if (codec === undefined) codecs.set(acceptor, (codec = new LineCodec(acceptor.syntax, acceptor.pluginEvents, acceptor.maxLineBytes)));
  return codec;
}

/** What a client turned away is told, where it can still be told a line. */
export function encodeRefusal(refusal: Refusal): Buffer {
  return encodeLine(refusalLine(refusal));
}

const HASH = 0x23;

const NOTHING: CommandInput = Object.freeze({ verb: "", params: Object.freeze([]) });

/**
 * The line protocol's codec for one connection. Its lines are read into
 * commands: `VERB` and what follows it,
 * split into the command's parameters (CommandSyntax): each a word but the
 * last, which takes the rest of the line as it was sent. Of a verb's forms,
 * the first whose `room` parameters are words starting with `#` (a form
 * without one: with a word for each parameter) is taken, else the
 * command's own. A leading `text` parameter loses the escape of a
 * message to everyone (`\#...`: see unescapeEveryoneText).
 */
export class LineInput implements ConnectionCodec {
  /** TCP, TLS and /ws speak it alike: a session made on one resumes on any of them. */
  readonly protocol = "line";

  constructor(
    private readonly decoder: LineDecoder,
    private readonly codec: LineCodec,
  ) {}

  /** What a resume keeps: the lines, as sent over TCP (a door that frames them frames them as it sends). */
  get resumeRenderer(): Renderer {
    return this.codec.renderer;
  }

  encodeReply(reply: Reply): Uint8Array | null {
    return this.codec.encodeReply(reply);
  }

  push(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  endOfInput(): void {
    this.decoder.endOfInput();
  }

  nextCommand(): CommandInput | ErrorReply | null {
    const line = this.decoder.next();
    if (line === null) return null;
    if (typeof line !== "string") return error(line.error);
    const { word, rest } = splitFirstWord(line);
    if (word === "") return NOTHING;
    const forms = this.codec.syntax.forms(word);
    // A verb nobody registered: the core answers it, and its parameters do not matter.
    if (forms === undefined) return { verb: word, params: [] };
    // The command's own form (the last) is taken when no other fits; a form for a room is not tried on a line without one.
    const last = forms.length - 1;
    for (let i = 0; i < last; i++) {
      const form = forms[i]!;
      if (form[0] === "room" && rest.charCodeAt(0) !== HASH) continue;
      const params = split(rest, form);
      if (fits(form, params)) return { verb: word, params };
    }
    return { verb: word, params: split(rest, forms[last]!) };
  }
}

/**
 * Whether the words a form was given fit it: each of its `room` parameters
 * a word starting with `#`; a form with no `room` parameter, a word for
 * each parameter (`LOGIN <username> <password>` is not taken for `LOGIN
 * alice`).
 */
function fits(names: readonly string[], params: readonly string[]): boolean {
  if (!names.includes("room")) return params.every((param) => param !== "");
  for (let index = 0; index < names.length; index++) if (names[index] === "room" && !params[index]!.startsWith("#")) return false;
  return true;
}

/** `rest` as the parameters `names` say: a word each, the last one the rest; "" for those missing. */
function split(rest: string, names: readonly string[]): string[] {
  const params: string[] = [];
  let left = rest;
  for (let index = 0; index < names.length; index++) {
    if (index === names.length - 1) {
      params.push(index === 0 && names[0] === "text" ? unescapeEveryoneText(left) : left);
      break;
    }
    const { word, rest: after } = splitFirstWord(left);
    params.push(word);
    left = after;
  }
  return params;
}

import type { CommandInput, CommandSyntax, ErrorReply, Reply, UserProfile } from "../../core/language";
import type { ConnectionCodec, PluginEventRendering } from "../../core/ports/transport.port";
import { encodeLine } from "../wire/shared-lines";
import { readFrame } from "./json-commands";
import { isoTime, JsonRenderer, pluginFrame } from "./json-renderer";
import type { ReplyFrame } from "./json-schema";

/** Those of the users listed whose profiles say they are signed in to an account, as a frame's `signedIn`: none when none is. */
function signedIn(users: readonly string[], profiles: readonly (UserProfile | null)[] | undefined): { signedIn?: string[] } {
  const signed = users.filter((_, index) => profiles?.[index]?.account !== undefined);
  return signed.length === 0 ? {} : { signedIn: signed };
}

/** The JSON API's frame for a reply (docs/API.md). */
function replyFrame(reply: Reply, plugins: PluginEventRendering): ReplyFrame {
  switch (reply.kind) {
    case "ok":
    case "pong":
    case "bye":
    case "server-shutdown":
      return { type: reply.kind };
    case "error": {
      const { code, subject } = reply;
      return subject === undefined || subject === "" ? { type: "error", code } : { type: "error", code, subject };
    }
    case "sent": {
      const { id, at, away } = reply;
      return away === undefined ? { type: "sent", id, at: isoTime(at) } : { type: "sent", id, at: isoTime(at), away };
    }
    case "users":
      return { type: "users", users: [...reply.users], ...signedIn(reply.users, reply.profiles) };
    case "rooms":
      return { type: "rooms", rooms: reply.rooms.map(({ name, members }) => ({ name, members })) };
    case "members":
      return {
        type: "members",
        room: reply.room,
        members: [...reply.members],
        operators: [...(reply.operators ?? [])],
        ...signedIn(reply.members, reply.profiles),
        ...(reply.secret === true && { secret: true as const }),
      };
    case "history":
      return {
        type: "history",
        messages: reply.messages.map(({ id, at, from, text }) => ({ id, at: at === undefined ? undefined : isoTime(at), from, text })),
      };
    case "token":
      return { type: "token", token: reply.token };
    case "resumed":
      return { type: "resumed", name: reply.username, token: reply.token };
    case "plugin":
      return pluginFrame(reply.plugin, reply.name, reply.data, plugins);
    case "text":
      return { type: "text", text: reply.text };
  }
}

/**
 * The JSON API as a codec (docs/API.md): one per server, shared by its
 * connections, so that an event is rendered once for all of them. Frames
 * in are read into the core's commands; replies and events out are JSON
 * objects, each on a line of its own (the door sends each line as a frame).
 */
export class JsonCodec {
  /** Events as lines of JSON. */
  readonly renderer: JsonRenderer;

  constructor(
    readonly syntax: CommandSyntax,
    private readonly plugins: PluginEventRendering,
    /** The longest frame read; a longer one is answered frame-too-long, unread. */
    readonly maxFrameBytes: number,
  ) {
    this.renderer = new JsonRenderer(plugins);
  }

  /** A reply's line, with the id of the command it answers (`for`) when there is one. */
  encodeReply(reply: Reply, answering: string | undefined): Buffer {
    const frame = replyFrame(reply, this.plugins);
    return encodeLine(JSON.stringify(answering === undefined ? frame : { ...frame, for: answering }));
  }

  /** The codec of one connection. */
  input(): JsonInput {
    return new JsonInput(this);
  }
}

/**
 * The JSON API's codec for one connection: the frames it received, read one
 * at a time as the core takes them, and its replies, each carrying the id
 * of the command it answers. The core answers one command at a time, in
 * order: every reply between a command's taking and its end (`commandHandled`)
 * is that command's.
 */
export class JsonInput implements ConnectionCodec {
  readonly protocol = "json";
  /** Frames received and not yet taken; null for a binary one. */
  private readonly frames: (Buffer | null)[] = [];
  /** The id of the command being handled, for its answers' `for`. */
  private answering: string | undefined;

  constructor(private readonly codec: JsonCodec) {}

  /** What `send` takes: lines of JSON (the door frames them as it sends them). */
  get resumeRenderer(): JsonRenderer {
    return this.codec.renderer;
  }

  /** A frame the client sent: its text (null: a binary frame, answered as an invalid one). */
  push(frame: Buffer | null): void {
    this.frames.push(frame);
  }

  nextCommand(): CommandInput | ErrorReply | null {
    if (this.frames.length === 0) return null;
    const { command, id } = readFrame(this.frames.shift()!, this.codec.maxFrameBytes, this.codec.syntax);
    this.answering = id;
    return command;
  }

  /** A farewell answers the command being handled only when it is QUIT's `bye`; the others are the server's own (a timeout, a shutdown). */
  encodeReply(reply: Reply, farewell: boolean): Uint8Array {
    return this.codec.encodeReply(reply, farewell && reply.kind !== "bye" ? undefined : this.answering);
  }

  commandHandled(): null {
    this.answering = undefined;
    return null;
  }
}

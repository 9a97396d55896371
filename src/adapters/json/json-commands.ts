import { isUtf8 } from "node:buffer";
import { Type, type Static, type TObject, type TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { error, WITH_PROFILES, type CommandInput, type CommandSyntax, type ErrorReply } from "../../core/language";
import { asciiUpperCase, isValidUsername } from "../../core/text";
import {
  AwayCommand,
  FrameId,
  JoinCommand,
  LoginCommand,
  MembersCommand,
  PartCommand,
  PasswordCommand,
  PingCommand,
  PluginCommand,
  QuitCommand,
  RegisterCommand,
  RenameCommand,
  ResumableCommand,
  ResumeCommand,
  RoomsCommand,
  SendCommand,
  UnregisterCommand,
  WhoCommand,
  WhoisCommand,
} from "./json-schema";

/** A frame read: the command it asks for (or why it asks for none), and the id its answers carry back. */
export interface ReadFrame {
  readonly command: CommandInput | ErrorReply;
  readonly id: string | undefined;
}

/** A checked frame of one type as the core's command (`syntax`: the verbs' forms, for the frames that depend on them). */
type ToCommand<Frame> = (frame: Frame, syntax: CommandSyntax) => CommandInput | ErrorReply;

/** Reads an object claiming to be a frame of one type: its command, or what is wrong with it. */
type Reader = (value: unknown, syntax: CommandSyntax) => CommandInput | ErrorReply;

const FRAME_TOO_LONG = Object.freeze(error("frame-too-long"));
const INVALID_UTF8 = Object.freeze(error("invalid-utf8"));
const INVALID_JSON = Object.freeze(error("invalid-json"));
const BINARY_FRAME = Object.freeze(error("invalid-frame", ": binary frames are not read; send each JSON object as a text frame"));
const NO_ROOMS = Object.freeze(error("invalid-frame", "/to/room: this server has no rooms"));
const NO_ACCOUNTS = Object.freeze(error("invalid-frame", "/password: this server has no accounts"));

/** What every frame has: a type, and maybe an id. */
const FrameHead = TypeCompiler.Compile(Type.Object({ type: Type.String(), id: Type.Optional(FrameId) }));
const Id = TypeCompiler.Compile(FrameId);

/**
 * The first problem of a value, inside the branch of a union it meant (the
 * object whose required keys it has: `{"room": 1}` is a room that is not a
 * string), rather than "not any of them".
 */
function firstProblem(problem: ValueError): ValueError {
  if (problem.type !== ValueErrorType.Union) return problem;
  const { value } = problem;
  if (typeof value !== "object" || value === null) return problem;
  const meant = (problem.schema.anyOf as TSchema[]).findIndex(
    (branch) => branch.type === "object" && ((branch.required ?? []) as string[]).every((key) => Object.hasOwn(value, key)),
  );
  const inner = meant === -1 ? undefined : problem.errors[meant]!.First();
  return inner === undefined ? problem : firstProblem(inner);
}

/** An invalid-frame error: where the first problem is (a JSON pointer) and what it is. */
function invalidFrame(problem: ValueError): ErrorReply {
  const { path, message } = firstProblem(problem);
  return error("invalid-frame", `${path}: ${message}`);
}

/** The reader of one type of frame: its schema checked (compiled once), then its command. */
function reader<Schema extends TObject>(schema: Schema, toCommand: ToCommand<Static<Schema>>): [string, Reader] {
  const check = TypeCompiler.Compile(schema);
  const type = (schema.properties.type as TSchema).const as string;
  return [type, (value, syntax) => (check.Check(value) ? toCommand(value, syntax) : invalidFrame(check.Errors(value).First()!))];
}

const command = (verb: string, ...params: string[]): CommandInput => ({ verb, params });

/** Whether MSG takes a room (the rooms plugin's form): without it, a room's name would be sent to everyone as text. */
function hasRooms(syntax: CommandSyntax): boolean {
  return syntax.forms("MSG")?.some((form) => form.length === 2 && form[0] === "room") === true;
}

/** Whether LOGIN takes a password (the accounts plugin's form): without it, a password would be dropped and its name logged in as a guest's. */
function hasAccounts(syntax: CommandSyntax): boolean {
  return syntax.forms("LOGIN")?.some((form) => form.length === 2 && form[1] === "password") === true;
}

/** The verbs with frames of their own: a `command` frame may not name them. */
const RESERVED_VERBS = new Set([
  "LOGIN",
  "REGISTER",
  "PASSWORD",
  "UNREGISTER",
  "NICK",
  "MSG",
  "DM",
  "WHO",
  "WHOIS",
  "JOIN",
  "PART",
  "ROOMS",
  "MEMBERS",
  "PING",
  "QUIT",
  "AWAY",
  "NOTICE",
  "RESUMABLE",
  "RESUME",
]);

/**
 * A plugin's verb: its parameters as given, into the command's own form;
 * those it does not give are empty, more than it takes are refused.
 */
function pluginCommand({ verb, params = [] }: PluginCommand, syntax: CommandSyntax): CommandInput | ErrorReply {
  const upper = asciiUpperCase(verb);
  if (RESERVED_VERBS.has(upper)) return error("reserved-verb", upper);
  const forms = syntax.forms(verb);
  // A verb nobody registered: the core answers it (unknown-command).
  if (forms === undefined) return { verb, params: [] };
  const names = forms.at(-1)!;
  if (params.length > names.length) return error("invalid-frame", `/params: ${upper} takes at most ${names.length}`);
  return { verb, params: names.map((_, index) => params[index] ?? "") };
}

/** Each type of frame, and the core's command it is. */
const READERS = new Map<string, Reader>([
  reader(LoginCommand, ({ name, password }, syntax) => {
    if (password === undefined) return command("LOGIN", name);
    return hasAccounts(syntax) ? command("LOGIN", name, password) : NO_ACCOUNTS;
  }),
  reader(RegisterCommand, ({ name, password }) => command("REGISTER", name, password)),
  reader(PasswordCommand, ({ password, newPassword }) => command("PASSWORD", password, newPassword)),
  reader(UnregisterCommand, ({ password }) => command("UNREGISTER", password)),
  reader(RenameCommand, ({ name }) => command("NICK", name)),
  reader(SendCommand, ({ text, to, notice }, syntax) => {
    if (notice === true) {
      // The core's NOTICE takes one word for its target: `*` everyone, `#room`, or a user; a JSON target is never read as another kind.
      if (to === undefined || to === "everyone") return command("NOTICE", "*", text);
      if ("user" in to) return isValidUsername(to.user) ? command("NOTICE", to.user, text) : error("user-not-found", to.user);
      if (!hasRooms(syntax)) return NO_ROOMS;
      return to.room.startsWith("#") ? command("NOTICE", to.room, text) : error("invalid-room");
    }
    if (to === undefined || to === "everyone") return command("MSG", text);
    if ("user" in to) return command("DM", to.user, text);
    return hasRooms(syntax) ? command("MSG", to.room, text) : NO_ROOMS;
  }),
  // With profiles, for who is signed in (the answer's `signedIn`).
  reader(WhoCommand, () => command("WHO", WITH_PROFILES)),
  reader(WhoisCommand, ({ names }) => command("WHOIS", names.join(" "))),
  reader(JoinCommand, ({ room }) => command("JOIN", room)),
  reader(PartCommand, ({ room, message }) => command("PART", room, message ?? "")),
  reader(RoomsCommand, () => command("ROOMS")),
  reader(MembersCommand, ({ room }) => command("MEMBERS", room, WITH_PROFILES)),
  reader(PingCommand, () => command("PING")),
  reader(QuitCommand, ({ message }) => command("QUIT", message ?? "")),
  reader(AwayCommand, ({ message }) => command("AWAY", message ?? "")),
  reader(ResumableCommand, () => command("RESUMABLE")),
  // None received since the token: everything after it, as a line client's count of 0.
  reader(ResumeCommand, ({ token, after }) => command("RESUME", token, after ?? "0")),
  reader(PluginCommand, pluginCommand),
]);

/**
 * Reads a frame the client sent (null: a binary one) into the core's
 * command, in order: its size (checked before anything is parsed), UTF-8,
 * JSON, an object, its type and id, then its type's schema. Whatever is
 * wrong is a typed error for the client; the connection goes on.
 */
export function readFrame(data: Buffer | null, maxBytes: number, syntax: CommandSyntax): ReadFrame {
  if (data === null) return { command: BINARY_FRAME, id: undefined };
  if (data.byteLength > maxBytes) return { command: FRAME_TOO_LONG, id: undefined };
  if (!isUtf8(data)) return { command: INVALID_UTF8, id: undefined };
  let value: unknown;
  try {
    value = JSON.parse(data.toString("utf8"));
  } catch {
    return { command: INVALID_JSON, id: undefined };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { command: INVALID_JSON, id: undefined };
  const given = (value as { id?: unknown }).id;
  const id = Id.Check(given) ? given : undefined;
  if (!FrameHead.Check(value)) return { command: invalidFrame(FrameHead.Errors(value).First()!), id };
  const read = READERS.get(value.type);
  return { command: read === undefined ? error("unknown-type", value.type) : read(value, syntax), id };
}

import { Type, type Static, type TLiteral, type TObject, type TProperties } from "@sinclair/typebox";
import { EVENT_ID_PATTERN } from "../../core/event-ids";

/*
 * The JSON API's frames (docs/API.md), as TypeBox schemas: JSON Schema for
 * any client, and TypeScript types (`Static`) for a bot written in it. The
 * package exports them as `JsonApi`; the build writes API_SCHEMA to
 * dist/api.schema.json.
 */

/** What a client names a frame with, to find the answers to it: 1 to 64 characters of its choosing. */
export const FrameId = Type.String({ minLength: 1, maxLength: 64 });
export type FrameId = Static<typeof FrameId>;

/** A verb as plugins register them: a letter, then up to 31 letters, digits, `_` or `-`. */
const VERB_PATTERN = "^[A-Za-z][A-Za-z0-9_-]{0,31}$";

/** Who a message is for: everyone, the members of a room, or one user. */
export const Target = Type.Union([
  Type.Literal("everyone"),
  Type.Object({ room: Type.String() }, { additionalProperties: false }),
  Type.Object({ user: Type.String() }, { additionalProperties: false }),
]);
export type Target = Static<typeof Target>;

/** A frame of `type` with its own fields; nothing else is allowed in it. */
function frame<Name extends string, Fields extends TProperties, Extra extends TProperties>(
  type: Name,
  fields: Fields,
  extra: Extra,
  description: string,
): TObject<{ type: TLiteral<Name> } & Fields & Extra> {
  return Type.Object({ type: Type.Literal(type), ...fields, ...extra }, { additionalProperties: false, title: type, description });
}

/** A frame from the client: `id`, if given, comes back as the `for` of every answer to it. */
function command<Name extends string, Fields extends TProperties>(type: Name, fields: Fields, description: string) {
  return frame(type, fields, { id: Type.Optional(FrameId) }, description);
}

/** An answer to a command: `for` is the command's `id`, when it gave one. */
function reply<Name extends string, Fields extends TProperties>(type: Name, fields: Fields, description: string) {
  return frame(type, fields, { for: Type.Optional(FrameId) }, description);
}

const Time = Type.String({ description: "ISO 8601, UTC, to the millisecond (2026-01-01T00:00:00.000Z)" });
const EventId = Type.String({
  pattern: EVENT_ID_PATTERN,
  description: "an event's id in the cluster: a ULID, sorting as the events were made",
});

/** Something that happened, sent as it happens: its id and time first (a departure of several users is several frames of one id). */
function event<Name extends string, Fields extends TProperties>(type: Name, fields: Fields, description: string) {
  return frame(type, { id: EventId, at: Time, ...fields }, {}, description);
}

const PluginData = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]));

// Frames from the client.

export const LoginCommand = command(
  "login",
  { name: Type.String(), password: Type.Optional(Type.String()) },
  "Log in under this name; with `password`, sign in to its account (the accounts plugin). On a connection whose request carried a browser's sign-in cookie, the account's name alone signs in to it.",
);
export type LoginCommand = Static<typeof LoginCommand>;

export const RegisterCommand = command(
  "register",
  { name: Type.String(), password: Type.String() },
  "Register this name with this password and sign in to it (the accounts plugin); logged in as a guest, the name one goes by.",
);
export type RegisterCommand = Static<typeof RegisterCommand>;

export const PasswordCommand = command(
  "password",
  { password: Type.String(), newPassword: Type.String() },
  "Change the password of the account one is signed in to (`password`: the one it has now); the session goes on, its resume token is void.",
);
export type PasswordCommand = Static<typeof PasswordCommand>;

export const UnregisterCommand = command(
  "unregister",
  { password: Type.String() },
  "Delete the account one is signed in to: its name is free, and its sessions end, this one once answered (ok, then bye).",
);
export type UnregisterCommand = Static<typeof UnregisterCommand>;

export const RenameCommand = command("rename", { name: Type.String() }, "Go by this name from now on (the rules of login's), keeping one's rooms; everyone else is told (renamed).");
export type RenameCommand = Static<typeof RenameCommand>;

export const SendCommand = command(
  "send",
  { text: Type.String(), to: Type.Optional(Target), notice: Type.Optional(Type.Boolean()) },
  "Send a message: to everyone (no `to`, or \"everyone\"), to a room one is in, or to one user; `notice`: one no client should answer by itself (a bot's), an IRC NOTICE.",
);
export type SendCommand = Static<typeof SendCommand>;

export const WhoCommand = command("who", {}, "Every user online, in login order.");
export type WhoCommand = Static<typeof WhoCommand>;

export const WhoisCommand = command(
  "whois",
  { names: Type.Array(Type.String({ pattern: "^[^ ]+$" }), { minItems: 1, maxItems: 16 }) },
  "Those of these names that are online.",
);
export type WhoisCommand = Static<typeof WhoisCommand>;

export const JoinCommand = command("join", { room: Type.String() }, "Join a room (the rooms plugin).");
export type JoinCommand = Static<typeof JoinCommand>;

export const PartCommand = command("part", { room: Type.String(), message: Type.Optional(Type.String()) }, "Leave a room (the rooms plugin), with words the others see if given.");
export type PartCommand = Static<typeof PartCommand>;

export const RoomsCommand = command("rooms", {}, "The rooms with members (the rooms plugin).");
export type RoomsCommand = Static<typeof RoomsCommand>;

export const MembersCommand = command("members", { room: Type.String() }, "A room's members (the rooms plugin).");
export type MembersCommand = Static<typeof MembersCommand>;

export const PingCommand = command("ping", {}, "Answered pong.");
export type PingCommand = Static<typeof PingCommand>;

export const QuitCommand = command(
  "quit",
  { message: Type.Optional(Type.String()) },
  "Answered bye, then the server closes the connection; the others see `message`, if given, where their door shows it.",
);
export type QuitCommand = Static<typeof QuitCommand>;

export const AwayCommand = command(
  "away",
  { message: Type.Optional(Type.String()) },
  "Away with this message (others see it; one who sends you a message is told it), or back without one.",
);
export type AwayCommand = Static<typeof AwayCommand>;

export const ResumableCommand = command("resumable", {}, "Make this session resumable: answered with a token (docs/API.md, \"Resuming\").");
export type ResumableCommand = Static<typeof ResumableCommand>;

export const ResumeCommand = command(
  "resume",
  { token: Type.String({ minLength: 1 }), after: Type.Optional(EventId) },
  "Before login, on a new connection: take over the session the token names, sent everything after the event `after` (the last one received; none: everything since the token).",
);
export type ResumeCommand = Static<typeof ResumeCommand>;

export const PluginCommand = command(
  "command",
  { verb: Type.String({ pattern: VERB_PATTERN }), params: Type.Optional(Type.Array(Type.String(), { maxItems: 16 })) },
  "A plugin's own verb with its parameters; the verbs that have a frame of their own are refused here (reserved-verb).",
);
export type PluginCommand = Static<typeof PluginCommand>;

export const ClientFrame = Type.Union([
  LoginCommand,
  RegisterCommand,
  PasswordCommand,
  UnregisterCommand,
  RenameCommand,
  SendCommand,
  WhoCommand,
  WhoisCommand,
  JoinCommand,
  PartCommand,
  RoomsCommand,
  MembersCommand,
  PingCommand,
  QuitCommand,
  AwayCommand,
  ResumableCommand,
  ResumeCommand,
  PluginCommand,
]);
export type ClientFrame = Static<typeof ClientFrame>;

// Answers to commands.

export const OkReply = reply("ok", {}, "Done.");
export type OkReply = Static<typeof OkReply>;

export const ErrorReply = reply(
  "error",
  { code: Type.String(), subject: Type.Optional(Type.String()) },
  "What went wrong (docs/API.md lists the codes), and about what. Also the last frame before the server closes for a reason of its own (idle-timeout ...).",
);
export type ErrorReply = Static<typeof ErrorReply>;

export const SentReply = reply(
  "sent",
  { id: EventId, at: Time, away: Type.Optional(Type.String()) },
  "The message was delivered: its id, and when the server accepted it; `away`, for a message to a user who is away, its away message.",
);
export type SentReply = Static<typeof SentReply>;

export const PongReply = reply("pong", {}, "The answer to ping.");
export type PongReply = Static<typeof PongReply>;

/** Those of the users listed who are signed in to an account; absent when none is. */
const SignedIn = Type.Optional(Type.Array(Type.String()));

export const UsersReply = reply(
  "users",
  { users: Type.Array(Type.String()), signedIn: SignedIn },
  "Users online (who: all of them; whois: those asked about), in login order; `signedIn`: those of them signed in to an account, when any is (the others are guests).",
);
export type UsersReply = Static<typeof UsersReply>;

export const RoomsReply = reply(
  "rooms",
  { rooms: Type.Array(Type.Object({ name: Type.String(), members: Type.Integer() }, { additionalProperties: false })) },
  "The rooms with members, and how many.",
);
export type RoomsReply = Static<typeof RoomsReply>;

export const MembersReply = reply(
  "members",
  {
    room: Type.String(),
    members: Type.Array(Type.String()),
    operators: Type.Array(Type.String()),
    signedIn: SignedIn,
    secret: Type.Optional(Type.Literal(true)),
  },
  "A room's members (none for a secret room one is not in), those of them who are its operators, those signed in to an account (when any is), and `secret` when it is listed to its members only.",
);
export type MembersReply = Static<typeof MembersReply>;

export const HistoryReply = reply(
  "history",
  {
    messages: Type.Array(
      Type.Object(
        { id: Type.Optional(EventId), at: Type.Optional(Time), from: Type.String(), text: Type.String() },
        { additionalProperties: false },
      ),
    ),
  },
  "Messages to everyone from before one logged in, oldest first (the history plugin).",
);
export type HistoryReply = Static<typeof HistoryReply>;

export const TokenReply = reply("token", { token: Type.String() }, "The answer to resumable: the session's resume token.");
export type TokenReply = Static<typeof TokenReply>;

export const ResumedReply = reply(
  "resumed",
  { name: Type.String(), token: Type.String() },
  "The answer to resume: the session's name and its new token; what it missed follows.",
);
export type ResumedReply = Static<typeof ResumedReply>;

export const PluginReply = reply(
  "plugin",
  { plugin: Type.String(), name: Type.String(), data: PluginData, text: Type.Union([Type.String(), Type.Null()]) },
  "A plugin's own kind of answer: its data, and its text as the plugin renders it for this API (its json rendering, else text), or null.",
);
export type PluginReply = Static<typeof PluginReply>;

export const TextReply = reply("text", { text: Type.String() }, "A line of text from a plugin that answers in lines.");
export type TextReply = Static<typeof TextReply>;

export const ByeReply = reply("bye", {}, "The answer to quit; the server closes the connection.");
export type ByeReply = Static<typeof ByeReply>;

export const ServerShutdownReply = reply("server-shutdown", {}, "The server is stopping; it closes the connection.");
export type ServerShutdownReply = Static<typeof ServerShutdownReply>;

export const ReplyFrame = Type.Union([
  OkReply,
  ErrorReply,
  SentReply,
  PongReply,
  UsersReply,
  RoomsReply,
  MembersReply,
  HistoryReply,
  TokenReply,
  ResumedReply,
  PluginReply,
  TextReply,
  ByeReply,
  ServerShutdownReply,
]);
export type ReplyFrame = Static<typeof ReplyFrame>;

// Events.

export const MessageEvent = event(
  "message",
  { from: Type.String(), to: Target, text: Type.String(), notice: Type.Optional(Type.Literal(true)) },
  "A user's message to everyone, to a room one is in, or to oneself.",
);
export type MessageEvent = Static<typeof MessageEvent>;

export const NoticeEvent = event("notice", { to: Target, text: Type.String() }, "A line from the server (a plugin's), not a user's message.");
export type NoticeEvent = Static<typeof NoticeEvent>;

export const ArrivedEvent = event(
  "arrived",
  { user: Type.String(), signedIn: Type.Optional(Type.Literal(true)) },
  "A user logged in; `signedIn`: to its account (without it, a guest).",
);
export type ArrivedEvent = Static<typeof ArrivedEvent>;

export const RenamedEvent = event("renamed", { user: Type.String(), name: Type.String() }, "A user goes by another name from now on: `user` was its name, `name` is.");
export type RenamedEvent = Static<typeof RenamedEvent>;

export const LeftEvent = event(
  "left",
  { user: Type.String(), reason: Type.String(), message: Type.Optional(Type.String()) },
  "A user left: quit, idle, client-closed, error, send-queue, shutdown, evicted, signed-out (its account signed out everywhere), or left (on another node of a cluster); `message`: its words on leaving (a quit's message), if any.",
);
export type LeftEvent = Static<typeof LeftEvent>;

export const JoinedEvent = event("joined", { user: Type.String(), room: Type.String() }, "A user joined a room one is in.");
export type JoinedEvent = Static<typeof JoinedEvent>;

export const PartedEvent = event(
  "parted",
  { user: Type.String(), room: Type.String(), message: Type.Optional(Type.String()) },
  "A user left a room one is in (with its words on leaving, if any).",
);
export type PartedEvent = Static<typeof PartedEvent>;

export const ModeEvent = event(
  "mode",
  {
    by: Type.String(),
    room: Type.String(),
    mode: Type.Union([Type.Literal("operator"), Type.Literal("secret")]),
    user: Type.Optional(Type.String()),
    on: Type.Boolean(),
  },
  "One of a room's operators (`by`) changed its modes: made `user` an operator of it (`on`) or no longer (mode operator), or made it secret, listed to its members only, or no longer (mode secret).",
);
export type ModeEvent = Static<typeof ModeEvent>;

export const PluginEvent = event(
  "plugin",
  { plugin: Type.String(), name: Type.String(), to: Target, data: PluginData, text: Type.Union([Type.String(), Type.Null()]) },
  "A plugin's own kind of event: as its answers are, and who it is for.",
);
export type PluginEvent = Static<typeof PluginEvent>;

export const EventFrame = Type.Union([MessageEvent, NoticeEvent, ArrivedEvent, RenamedEvent, LeftEvent, JoinedEvent, PartedEvent, ModeEvent, PluginEvent]);
export type EventFrame = Static<typeof EventFrame>;

export const ServerFrame = Type.Union([ReplyFrame, EventFrame]);
export type ServerFrame = Static<typeof ServerFrame>;

/** The whole API as one JSON Schema document: what a client may send, and what it is sent. */
export const API_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "chat-server JSON API (WebSocket at /api, one JSON object per text frame)",
  definitions: { ClientFrame, ServerFrame },
};

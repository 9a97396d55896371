import { nameKey } from "../../core/text";
import type { ErrorReply, Reply, SaidBefore, UserProfile } from "../../core/language";
import type { GroupInfo } from "../../core/ports/delivery.port";
import type { Expectation } from "./irc-commands";
import { partLine, renameLine } from "./irc-renderer";
import type { Registration } from "./irc-registration";
import { echo, errorText, type ChannelNames, type IrcLines } from "./irc-replies";
import { idleSeconds, visibleTo, whoLines, type Listed } from "./irc-who";
import { LOBBY_TOPIC, lobbyJoinLines, luserLines, welcomeLines, type UserCount, type WelcomeFacts } from "./irc-welcome";

/** What answering changes of a connection, beyond the lines it says. */
export interface AnswerContext {
  readonly lines: IrcLines;
  /** User mode `o`, as OPER left it. */
  operator: boolean;
  readonly registration: Registration;
  /** Channels (rooms) the core confirmed this user is in, by lower-case name. */
  readonly channels: Set<string>;
  readonly facts: WelcomeFacts;
  /** The messages said before the user came (a login hook's history), kept from the LOGIN's answers for the welcome. */
  history: readonly SaidBefore[];
  /** The login succeeded: the keep-alive starts. */
  loggedIn(): void;
  /** The wall clock, epoch milliseconds: WHOIS's and WHOX's idle time. */
  epochMs(): number;
  /** Whether the user is in the lobby: a JOIN or PART of it changes it as it is answered. */
  inLobby: boolean;
  /** `inLobby` changed: the core is told (`words`: a PART message). */
  modesChanged(words?: string): void;
}

/** Users as the core listed them: with their profiles if it gave them; for a room's members (MEMBERS), with its operators and whether it is secret. */
interface UserList extends ChannelNames {
  readonly profiles?: readonly (UserProfile | null)[] | undefined;
}

const NO_USERS: UserList = Object.freeze({ users: Object.freeze([]) });

/** The users a WHO, WHOIS or MEMBERS answered with (none when it answered an error). */
function userListIn(replies: readonly Reply[]): UserList {
  for (const reply of replies) {
    if (reply.kind === "users") return reply;
    if (reply.kind === "members") return { users: reply.members, profiles: reply.profiles, operators: reply.operators, secret: reply.secret };
  }
  return NO_USERS;
}

function usersIn(replies: readonly Reply[]): readonly string[] {
  return userListIn(replies).users;
}

/**
 * The users of a WHO with profiles, counted as LUSERS counts them, and
 * those of them in the lobby, in login order (one without a profile, as if
 * in it).
 */
function censusIn(replies: readonly Reply[]): { readonly count: UserCount; readonly lobby: readonly string[] } {
  const { users, profiles } = userListIn(replies);
  const lobby = users.filter((_, at) => profiles?.[at]?.outside !== true);
  const invisible = profiles?.filter((profile) => profile?.invisible === true).length ?? 0;
  return { count: { users: users.length, invisible, inLobby: lobby.length }, lobby };
}

/** The users a WHO or MEMBERS answered with, each with its profile if the core gave one, and whether it is an operator of the room listed. */
function listedIn(replies: readonly Reply[]): Listed[] {
  const { users, profiles, operators = [] } = userListIn(replies);
  const marked = new Set(operators);
  return users.map((user, at) => ({ user, profile: profiles?.[at] ?? null, operator: marked.has(user) }));
}

/** The profile the core gave with the first user of a WHOIS, if any. */
function profileIn(replies: readonly Reply[]): UserProfile | null {
  return userListIn(replies).profiles?.[0] ?? null;
}

/**
 * WHOIS's answer for a user online: who (311, its realname if its client
 * gave one, else its nick), its channels (319: the lobby if it is in it, then its rooms),
 * the server (312), away (301), a server operator (313), the account it
 * is signed in to (330; none for a guest), a secure connection (671), idle
 * and signon times (317), the end (318).
 */
function whoisLines(user: string, profile: UserProfile | null, context: AnswerContext): string[] {
  const { lines } = context;
  const { server, lobby } = lines.names;
  const said = [lines.numeric("311", `${user} ${profile?.ident ?? user} ${server} * :${profile?.realname ?? user}`)];
  const rooms = (profile?.rooms ?? []).map(({ group, operator }) => (operator ? `@${group}` : group));
  // The lobby for one in it; none at all (no 319) for one in no channel.
  const channels = profile?.outside === true ? rooms : [lobby, ...rooms];
  if (channels.length > 0) said.push(lines.numeric("319", `${user} :${channels.join(" ")}`));
  said.push(lines.numeric("312", `${user} ${server} :${server}`));
  if (profile?.away !== undefined) said.push(lines.numeric("301", `${user} :${profile.away}`));
  if (profile?.operator === true) said.push(lines.numeric("313", `${user} :is an IRC operator`));
  if (profile?.account !== undefined) said.push(lines.numeric("330", `${user} ${profile.account} :is logged in as`));
  if (profile?.secure === true) said.push(lines.numeric("671", `${user} :is using a secure connection`));
  if (profile !== null) {
    said.push(lines.numeric("317", `${user} ${idleSeconds(profile, context.epochMs())} ${Math.floor(profile.since / 1000)} :seconds idle, signon time`));
  }
  said.push(lines.numeric("318", `${user} :End of /WHOIS list`));
  return said;
}

/** The rooms a ROOMS answered with (none on a server without rooms). */
function roomsIn(replies: readonly Reply[]): readonly GroupInfo[] {
  return replies.flatMap((reply) => (reply.kind === "rooms" ? reply.rooms : []));
}

function errorIn(replies: readonly Reply[]): ErrorReply | undefined {
  return replies.find((reply): reply is ErrorReply => reply.kind === "error");
}

/** A reply with no meaning for the command it answers, as a notice: never silence (docs/IRC.md). */
export function noticeText(reply: Reply, plugin: (reply: Reply & { kind: "plugin" }) => string | null): string | null {
  switch (reply.kind) {
    case "error":
      return errorText(reply);
    case "text":
      return reply.text;
    case "plugin":
      return plugin(reply);
    case "users":
      return reply.users.join(" ");
    case "token":
    case "resumed":
      return null; // resuming is not offered on IRC
    case "sent":
      return null; // no echo of one's own message (IRCv3's echo-message is not offered)
    default:
      return reply.kind;
  }
}

/**
 * The table from the core's answers to IRC: the lines that answer one
 * command, from the replies the core gave it and what the command was for.
 */
export function answer(expectation: Expectation, replies: readonly Reply[], context: AnswerContext, notices: (reply: Reply) => string | null): string[] {
  const { lines, channels } = context;
  switch (expectation.kind) {
    case "local":
      return [...expectation.lines];
    case "ping":
      return [`:${lines.names.server} PONG ${lines.names.server} :${expectation.token}`];
    case "login":
      return loggedIn(expectation.nick, expectation.signIn, replies, context);
    case "oper":
      return operated(expectation.up, replies, context);
    case "rename":
      return renamed(expectation.nick, replies, context);
    case "welcome": {
      const { count, lobby } = censusIn(replies);
      const said = context.registration.registered ? welcomeLines(lines, context.facts, count, context.inLobby ? lobby : null, context.history) : [];
      context.history = [];
      return said;
    }
    case "message":
      if (expectation.notice) return [];
      for (const reply of replies) {
        if (reply.kind === "error") return [lines.messageError(expectation.target, reply)];
        if (reply.kind === "text") return [lines.notice(`Not sent to ${expectation.target}: ${reply.text}`)];
        if (reply.kind === "sent" && reply.away !== undefined) return [lines.numeric("301", `${echo(expectation.target)} :${reply.away}`)];
      }
      return [];
    case "away": {
      // Refused (a server without the who plugin answers unknown-command): said, never silence.
      const refusal = errorIn(replies);
      if (refusal !== undefined) return [lines.notice(`AWAY: ${errorText(refusal)}`)];
      return [expectation.away ? lines.numeric("306", ":You have been marked as being away") : lines.numeric("305", ":You are no longer marked as being away")];
    }
    case "join": {
      const error = errorIn(replies);
      if (replies[0]?.kind !== "ok" && error?.code !== "already-in-room") return [lines.channelError(expectation.channel, error)];
      const name = nameKey(expectation.channel);
      if (channels.has(name)) return [];
      channels.add(name);
      // Then the names; no topic (a room has none), and no 331 either: servers send RPL_TOPIC on a JOIN only for a topic.
      return [`:${lines.prefix()} JOIN ${name}`];
    }
    case "part":
      if (replies[0]?.kind !== "ok") return [lines.channelError(expectation.channel, errorIn(replies))];
      channels.delete(nameKey(expectation.channel));
      return [partLine(`:${lines.prefix()} PART ${nameKey(expectation.channel)}`, expectation.message)];
    case "lobby-join": {
      context.inLobby = true;
      context.modesChanged();
      // The WHO was answered before the user was in: it is now, last (as it came).
      const me = nameKey(lines.nick);
      return lobbyJoinLines(lines, [...censusIn(replies).lobby.filter((user) => nameKey(user) !== me), lines.nick]);
    }
    case "lobby-part":
      context.inLobby = false;
      context.modesChanged(expectation.message);
      return [partLine(`:${lines.prefix()} PART ${lines.names.lobby}`, expectation.message)];
    case "names":
      if (expectation.afterJoin && !channels.has(expectation.channel)) return [];
      if (expectation.channel === lines.names.lobby) return lines.names353(expectation.channel, { users: censusIn(replies).lobby }, expectation.end);
      return lines.names353(expectation.channel, userListIn(replies), expectation.end);
    case "who":
      return whoLines(expectation.query, visibleTo(context, expectation.query, listedIn(replies)), lines, context.epochMs());
    case "whois": {
      const [user] = usersIn(replies);
      const { nick } = expectation;
      if (user === undefined) return [lines.messageError(nick, { kind: "error", code: "user-not-found" }), lines.numeric("318", `${echo(nick)} :End of /WHOIS list`)];
      return whoisLines(user, profileIn(replies), context);
    }
    case "userhost": {
      const found = usersIn(replies);
      const text = expectation.numeric === "302" ? found.map((nick) => `${nick}=+${nick}@${lines.names.server}`).join(" ") : found.join(" ");
      return [lines.numeric(expectation.numeric, `:${text}`)];
    }
    case "user-count":
      Object.assign(expectation.count, censusIn(replies).count);
      return [];
    case "list": {
      const rooms = roomsIn(replies);
      const { inLobby } = expectation.count;
      return [
        lines.numeric("321", "Channel :Users  Name"),
        // The lobby as a room is: listed while anyone is in it.
        ...(inLobby === 0 ? [] : [lines.numeric("322", `${lines.names.lobby} ${inLobby} :${LOBBY_TOPIC}`)]),
        ...rooms.map(({ name, members }) => lines.numeric("322", `${name} ${members} :`)),
        lines.numeric("323", ":End of /LIST"),
      ];
    }
    case "lusers":
      // Channels as LIST counts them: the lobby (while anyone is in it) and the rooms.
      return luserLines(lines, expectation.count, (expectation.count.inLobby === 0 ? 0 : 1) + roomsIn(replies).length);
    case "channel-modes": {
      const { users, secret } = userListIn(replies);
      if (users.length === 0) return [lines.numeric("403", `${echo(expectation.channel)} :No such channel`)];
      return [lines.channelModes(expectation.channel, secret === true)];
    }
    case "mode-change": {
      // Made (or so already): every member, this client too, is sent the MODE line as an event.
      const refusal = errorIn(replies);
      if (refusal === undefined) return [];
      const { channel, nick } = expectation;
      if (refusal.code === "user-not-in-room") return [lines.numeric("441", `${echo(nick ?? "")} ${echo(channel)} :They aren't on that channel`)];
      return [lines.channelError(channel, refusal)];
    }
    case "quit": {
      const { message } = expectation;
      return [lines.closing(message === "" ? "Quit" : `Quit: ${message}`)];
    }
    case "plugin":
      return replies.flatMap((reply) => {
        if (reply.kind === "ok") return [];
        const text = notices(reply);
        return text === null ? [] : [lines.notice(reply.kind === "error" ? `${expectation.verb}: ${text}` : text)];
      });
  }
}

/** OPER's answer (381 and the mode it gives), or why not; MODE -o's, nothing (its MODE line follows). */
function operated(up: boolean, replies: readonly Reply[], context: AnswerContext): string[] {
  if (!up) return [];
  const { lines } = context;
  const [first] = replies;
  if (first?.kind === "ok") {
    context.operator = true;
    return [lines.numeric("381", ":You are now an IRC operator"), `:${lines.nick} MODE ${lines.nick} :+o`];
  }
  const code = first?.kind === "error" ? first.code : "no answer";
  if (WRONG_PASSWORD.has(code) || code === "invalid-username") return [lines.numeric("464", ":Password incorrect")];
  if (code === "not-an-operator") return [lines.numeric("491", ":No O-lines for your host")];
  return [lines.numeric("491", ":No O-lines for your host"), lines.notice(SIGN_IN_NOTICES[code] ?? `OPER: ${code}`)];
}

/** The numeric a nick is refused with (433 taken or registered, 432 not allowed), to `target` (the nick, or `*` before registration); undefined for another refusal. */
function nickRefusal(code: string, nick: string, lines: IrcLines, target?: string): string | undefined {
  switch (code) {
    case "username-taken":
      return lines.numeric("433", `${nick} :Nickname is already in use`, target);
    case "username-registered":
      return lines.numeric("433", `${nick} :Nickname is registered`, target);
    case "invalid-username":
      return lines.numeric("432", `${nick} :Erroneous nickname`, target);
  }
  return undefined;
}

/** The refusals that are a wrong password (464) to IRC: one answer for a wrong password and an unknown account. */
const WRONG_PASSWORD: ReadonlySet<string> = new Set(["bad-credentials", "invalid-password"]);

/** A NICK once registered: the NICK line everyone else is sent too, or the numeric an IRC server refuses a nick with. */
function renamed(nick: string, replies: readonly Reply[], { lines, registration }: AnswerContext): string[] {
  const [first] = replies;
  if (first?.kind === "ok") {
    const said = renameLine(lines.nick, nick, lines.names);
    registration.renamed(nick);
    return [said];
  }
  const code = first?.kind === "error" ? first.code : "no answer";
  const refused = nickRefusal(code, nick, lines);
  if (refused !== undefined) return [refused];
  switch (code) {
    case "signed-in":
      return [lines.notice(`You are signed in to the account ${lines.nick}, and keep its name: NICK is not allowed.`)];
    case "unknown-command":
      // A server without the rename plugin.
      return [lines.numeric("447", `${nick} :Nicknames cannot change on this server`)];
    default:
      return [lines.notice(`Cannot change your nickname now (${code}); try again.`)];
  }
}

/** How a refused sign-in (PASS) or OPER is told, beside its numeric. */
const SIGN_IN_NOTICES: Readonly<Record<string, string>> = {
  "password-needs-tls": "Passwords are taken over TLS only: connect to this server's TLS port.",
  "too-many-attempts": "Too many failed attempts: wait a while before trying again.",
  busy: "The server is busy checking passwords: try again in a moment.",
  "no-accounts": "This server keeps no accounts.",
};

function loggedIn(nick: string, signIn: boolean, replies: readonly Reply[], context: AnswerContext): string[] {
  const { lines, registration } = context;
  const [first] = replies;
  if (first?.kind !== "ok") {
    registration.loginRefused();
    const code = first?.kind === "error" ? first.code : "no answer";
    const refused = nickRefusal(code, nick, lines, "*");
    if (code === "username-registered") {
      return [
        refused!,
        lines.notice(`${nick} is a registered account: to sign in, give its password with PASS before NICK and USER (your client's server password), or choose another nick.`),
      ];
    }
    if (refused !== undefined) return [refused];
    if (code === "guests-not-allowed") return [lines.numeric("465", ":Only registered accounts may connect: give your account's password with PASS", "*")];
    if (WRONG_PASSWORD.has(code)) return [lines.numeric("464", ":Password incorrect", "*")];
    const notice = SIGN_IN_NOTICES[code];
    if (signIn && notice !== undefined) return [lines.numeric("464", ":Password incorrect", "*"), lines.notice(notice)];
    return [lines.notice(`Cannot log in now (${code}); try again.`)];
  }
  registration.loggedIn();
  // History a plugin replayed, to be shown after the lobby's names.
  context.history = replies.flatMap((reply) => (reply.kind === "history" ? reply.messages : []));
  context.loggedIn();
  return [];
}

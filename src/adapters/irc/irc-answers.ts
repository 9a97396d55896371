import { nameKey } from "../../core/text";
import type { ErrorReply, Reply, SaidBefore } from "../../core/language";
import type { Expectation } from "./irc-commands";
import type { Registration } from "./irc-registration";
import { echo, errorText, type IrcLines } from "./irc-replies";
import { LOBBY_TOPIC, luserLines, welcomeLines, type WelcomeFacts } from "./irc-welcome";

/** What answering changes of a connection, beyond the lines it says. */
export interface AnswerContext {
  readonly lines: IrcLines;
  readonly registration: Registration;
  /** Channels (rooms) the core confirmed this user is in, by lower-case name. */
  readonly channels: Set<string>;
  readonly facts: WelcomeFacts;
  /** The messages said before the user came (a login hook's history), kept from the LOGIN's answers for the welcome. */
  history: readonly SaidBefore[];
  /** The login succeeded: the keep-alive starts. */
  loggedIn(): void;
}

/** The names a WHO, WHOIS or MEMBERS answered with (none when it answered an error). */
function usersIn(replies: readonly Reply[]): readonly string[] {
  for (const reply of replies) {
    if (reply.kind === "users") return reply.users;
    if (reply.kind === "members") return reply.members;
  }
  return [];
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
      return loggedIn(expectation.nick, replies, context);
    case "welcome": {
      const said = context.registration.registered ? welcomeLines(lines, context.facts, usersIn(replies), context.history) : [];
      context.history = [];
      return said;
    }
    case "message":
      if (expectation.notice) return [];
      for (const reply of replies) {
        if (reply.kind === "error") return [lines.messageError(expectation.target, reply)];
        if (reply.kind === "text") return [lines.notice(`Not sent to ${expectation.target}: ${reply.text}`)];
      }
      return [];
    case "join": {
      const error = errorIn(replies);
      if (replies[0]?.kind !== "ok" && error?.code !== "already-in-room") return [lines.channelError(expectation.channel, error)];
      const name = nameKey(expectation.channel);
      if (channels.has(name)) return [];
      channels.add(name);
      return [`:${lines.prefix()} JOIN ${name}`, lines.numeric("331", `${name} :No topic is set`)];
    }
    case "part":
      if (replies[0]?.kind !== "ok") return [lines.channelError(expectation.channel, errorIn(replies))];
      channels.delete(nameKey(expectation.channel));
      return [`:${lines.prefix()} PART ${nameKey(expectation.channel)}`];
    case "names":
      if (expectation.afterJoin && !channels.has(expectation.channel)) return [];
      return lines.names353(expectation.channel, usersIn(replies));
    case "who": {
      const { mask, matcher } = expectation;
      const channel = matcher === undefined ? mask : "*";
      const users = usersIn(replies).filter((user) => matcher?.matches(user) ?? true);
      return [...users.map((user) => lines.who352(channel, user)), lines.endOfWho(mask)];
    }
    case "whois": {
      const [user] = usersIn(replies);
      const { nick } = expectation;
      if (user === undefined) return [lines.messageError(nick, { kind: "error", code: "user-not-found" }), lines.numeric("318", `${echo(nick)} :End of /WHOIS list`)];
      const { server } = lines.names;
      return [lines.numeric("311", `${user} ${user} ${server} * :${user}`), lines.numeric("312", `${user} ${server} :${server}`), lines.numeric("318", `${user} :End of /WHOIS list`)];
    }
    case "userhost": {
      const found = usersIn(replies);
      const text = expectation.numeric === "302" ? found.map((nick) => `${nick}=+${nick}@${lines.names.server}`).join(" ") : found.join(" ");
      return [lines.numeric(expectation.numeric, `:${text}`)];
    }
    case "list-count":
      expectation.count.users = usersIn(replies).length;
      return [];
    case "list": {
      const rooms = replies.flatMap((reply) => (reply.kind === "rooms" ? reply.rooms : []));
      return [
        lines.numeric("321", "Channel :Users  Name"),
        lines.numeric("322", `${lines.names.lobby} ${expectation.count.users} :${LOBBY_TOPIC}`),
        ...rooms.map(({ name, members }) => lines.numeric("322", `${name} ${members} :`)),
        lines.numeric("323", ":End of /LIST"),
      ];
    }
    case "lusers":
      return luserLines(lines, usersIn(replies).length);
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

function loggedIn(nick: string, replies: readonly Reply[], context: AnswerContext): string[] {
  const { lines, registration } = context;
  const [first] = replies;
  if (first?.kind !== "ok") {
    registration.loginRefused();
    const code = first?.kind === "error" ? first.code : "no answer";
    if (code === "username-taken") return [lines.numeric("433", `${nick} :Nickname is already in use`, "*")];
    if (code === "invalid-username") return [lines.numeric("432", `${nick} :Erroneous nickname`, "*")];
    return [lines.notice(`Cannot log in now (${code}); try again.`)];
  }
  registration.loggedIn();
  // History a plugin replayed, to be shown after the lobby's names.
  context.history = replies.flatMap((reply) => (reply.kind === "history" ? reply.messages : []));
  context.loggedIn();
  return [];
}

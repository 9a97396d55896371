import type { SaidBefore } from "../../core/language";
import { fitText } from "./irc-message";
import { USERLEN } from "./irc-registration";
import { userPrefix } from "./irc-renderer";
import type { IrcLines } from "./irc-replies";

/** Channels one NAMES answers at most (ISUPPORT's TARGMAX). */
export const MAX_NAMES = 5;

/** The lobby's topic, in the welcome, LIST and TOPIC. */
export const LOBBY_TOPIC = "Everyone on this server, whatever they connect with";

/** What the welcome says of the server. */
export interface WelcomeFacts {
  /** The software's name and version, for 002, 004 and VERSION. */
  readonly version: string;
  /** When the server started, for 003. */
  readonly created: Date;
  /** Rooms one user may be in (0: no limit): CHANLIMIT. */
  readonly maxRoomsPerUser: number;
}

/** The users, as LUSERS counts them: all, the invisible among them, and those in the lobby. */
export interface UserCount {
  users: number;
  invisible: number;
  inLobby: number;
}

/**
 * The welcome burst, as clients expect it after registration: 001-005,
 * LUSERS, MOTD, then, for a user who starts in the lobby, the lobby (JOIN,
 * topic, names: `lobby`, its members) and the messages said there before
 * the user came; one out of it (`lobby` null) is in no channel.
 */
export function welcomeLines(lines: IrcLines, facts: WelcomeFacts, count: UserCount, lobby: readonly string[] | null, history: readonly SaidBefore[]): string[] {
  const { server } = lines.names;
  const said = history.flatMap(({ from, text }) => {
    const head = `:${userPrefix(from, lines.names)} PRIVMSG ${lines.names.lobby} :`;
    return fitText(head, text).map((part) => head + part);
  });
  return [
    lines.numeric("001", `:Welcome to the ${server} chat, ${lines.prefix()}`),
    lines.numeric("002", `:Your host is ${server}, running version ${facts.version}`),
    lines.numeric("003", `:This server was created ${facts.created.toUTCString()}`),
    // User modes; channel modes; those of them that take a parameter.
    lines.numeric("004", `${server} ${facts.version} i nost o`),
    lines.numeric(
      "005",
      `CASEMAPPING=ascii CHANTYPES=# PREFIX=(o)@ CHANMODES=,,,nst NICKLEN=32 CHANNELLEN=33 TOPICLEN=0 NETWORK=${server} TARGMAX=JOIN:,NAMES:${MAX_NAMES},PRIVMSG:1,NOTICE:1 CHANLIMIT=#:${facts.maxRoomsPerUser || ""} USERLEN=${USERLEN} UTF8ONLY WHOX :are supported by this server`,
    ),
    ...luserLines(lines, count),
    lines.numeric("422", ":MOTD File is missing"),
    ...(lobby === null ? [] : [...lobbyJoinLines(lines, lobby), ...said]),
  ];
}

/** The user joins the lobby (at registration, or JOIN): the JOIN, the topic, the names (`members`, the user among them). */
export function lobbyJoinLines(lines: IrcLines, members: readonly string[]): string[] {
  const { lobby } = lines.names;
  return [`:${lines.prefix()} JOIN ${lobby}`, lines.numeric("332", `${lobby} :${LOBBY_TOPIC}`), ...lines.names353(lobby, { users: members })];
}

/**
 * LUSERS: users (251: the visible and the invisible; 255, and 265 and 266
 * without their optional counts, since no node keeps the most there were)
 * and, when LUSERS asked for them, channels (254) as LIST counts them. The
 * welcome says no 254: it would cost the registration a ROOMS. A cluster
 * is one server to IRC clients.
 */
export function luserLines(lines: IrcLines, { users, invisible }: UserCount, channels?: number): string[] {
  return [
    lines.numeric("251", `:There are ${users - invisible} users and ${invisible} invisible on 1 servers`),
    ...(channels === undefined ? [] : [lines.numeric("254", `${channels} :channels formed`)]),
    lines.numeric("255", `:I have ${users} clients and 1 servers`),
    lines.numeric("265", `:Current local users: ${users}`),
    lines.numeric("266", `:Current global users: ${users}`),
  ];
}

import type { SaidBefore } from "../../core/language";
import { fitText } from "./irc-message";
import { userPrefix } from "./irc-renderer";
import type { IrcLines } from "./irc-replies";

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

/**
 * The welcome burst, as clients expect it after registration: 001-005,
 * LUSERS, MOTD, then the lobby (JOIN, topic, names) and the messages said
 * there before the user came.
 */
export function welcomeLines(lines: IrcLines, facts: WelcomeFacts, users: readonly string[], history: readonly SaidBefore[]): string[] {
  const { server, lobby } = lines.names;
  const said = history.flatMap(({ from, text }) => {
    const head = `:${userPrefix(from, lines.names)} PRIVMSG ${lobby} :`;
    return fitText(head, text).map((part) => head + part);
  });
  return [
    lines.numeric("001", `:Welcome to the ${server} chat, ${lines.prefix()}`),
    lines.numeric("002", `:Your host is ${server}, running version ${facts.version}`),
    lines.numeric("003", `:This server was created ${facts.created.toUTCString()}`),
    lines.numeric("004", `${server} ${facts.version} i nt`),
    lines.numeric(
      "005",
      `CASEMAPPING=ascii CHANTYPES=# PREFIX=() CHANMODES=,,,nt NICKLEN=32 CHANNELLEN=33 TOPICLEN=0 NETWORK=${server} TARGMAX=PRIVMSG:1,NOTICE:1 CHANLIMIT=#:${facts.maxRoomsPerUser || ""} :are supported by this server`,
    ),
    ...luserLines(lines, users.length, true),
    lines.numeric("422", ":MOTD File is missing"),
    `:${lines.prefix()} JOIN ${lobby}`,
    lines.numeric("332", `${lobby} :${LOBBY_TOPIC}`),
    ...lines.names353(lobby, users),
    ...said,
  ];
}

/** LUSERS: 251 and 255 (with 254 in the welcome). */
export function luserLines(lines: IrcLines, users: number, withChannels = false): string[] {
  return [
    lines.numeric("251", `:There are ${users} users and 0 invisible on 1 servers`),
    ...(withChannels ? [lines.numeric("254", "1 :channels formed")] : []),
    lines.numeric("255", `:I have ${users} clients and 1 servers`),
  ];
}

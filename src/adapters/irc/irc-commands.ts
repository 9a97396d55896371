import { nameKey } from "../../core/text";
import { WITH_PROFILES, type CommandInput, type CommandSyntax } from "../../core/language";
import { IrcMask } from "./irc-mask";
import { whoxOf, type WhoQuery } from "./irc-who";
import type { IrcMessage } from "./irc-message";
import { Stage, type Registration } from "./irc-registration";
import { echo, type IrcLines } from "./irc-replies";
import { LOBBY_TOPIC } from "./irc-welcome";

/** What a command given to the core is for, and how its answers become IRC (see IrcAnswers). */
export type Expectation =
  /**
   * A command the door answers itself: the core only sees a PING (activity,
   * flood budget), its answer is dropped, and `lines` are said in their
   * turn, after the answers to the commands before.
   */
  | { readonly kind: "local"; readonly lines: readonly string[] }
  | { readonly kind: "ping"; readonly token: string }
  | { readonly kind: "login"; readonly nick: string }
  /** NICK once registered: the core's rename. */
  | { readonly kind: "rename"; readonly nick: string }
  /** Sent with the LOGIN: who is online, for the welcome burst and the lobby's names (if the login succeeded). */
  | { readonly kind: "welcome" }
  | { readonly kind: "message"; readonly target: string; readonly notice: boolean }
  | { readonly kind: "join"; readonly channel: string }
  | { readonly kind: "part"; readonly channel: string; readonly message: string }
  /** `afterJoin`: sent with a JOIN, and answered only if the JOIN was. */
  | { readonly kind: "names"; readonly channel: string; readonly afterJoin?: boolean }
  | { readonly kind: "who"; readonly query: WhoQuery }
  | { readonly kind: "whois"; readonly nick: string }
  | { readonly kind: "userhost"; readonly numeric: "302" | "303" }
  /**
   * LIST and LUSERS are two commands each: WHO (the lobby's users, counted)
   * then ROOMS; `count` carries the first's answer to the second.
   */
  | { readonly kind: "user-count"; readonly count: { users: number } }
  | { readonly kind: "list"; readonly count: { users: number } }
  | { readonly kind: "lusers"; readonly count: { users: number } }
  /** MODE on a channel one is not in: its members say whether it exists. */
  | { readonly kind: "channel-modes"; readonly channel: string }
  | { readonly kind: "quit"; readonly message: string }
  /** AWAY: `away`, whether it marks the user away (or back). */
  | { readonly kind: "away"; readonly away: boolean }
  /** A plugin's own verb, given its parameters: its answers become notices. */
  | { readonly kind: "plugin"; readonly verb: string };

/** One command for the core, and what its answers are for. */
export interface Step {
  readonly command: CommandInput;
  readonly expectation: Expectation;
}

/** What the table reads and changes of a connection. */
export interface IrcCommandContext {
  readonly lines: IrcLines;
  readonly registration: Registration;
  /** Channels (rooms) the core confirmed this user is in, by lower-case name. */
  readonly channels: ReadonlySet<string>;
  readonly syntax: CommandSyntax;
  /** The software's name and version, for VERSION. */
  readonly version: string;
  /** User mode `i`, as the client set it (MODE): kept and said back; it hides nobody, since everyone shares the lobby. */
  invisible: boolean;
}

type Translate = (params: readonly string[], context: IrcCommandContext, command: string) => Step[];

function core(verb: string, params: readonly string[], expectation: Expectation): Step {
  return { command: { verb, params }, expectation };
}

const PING: CommandInput = Object.freeze({ verb: "PING", params: Object.freeze([]) });

/** A command answered here: the core sees a PING, so that it counts as activity and against the budget. */
export function local(...lines: string[]): Step[] {
  return [{ command: PING, expectation: { kind: "local", lines } }];
}

function isLobby(channel: string, { lines }: IrcCommandContext): boolean {
  return nameKey(channel) === lines.names.lobby;
}

/** After NICK, USER or CAP END: the login, when registration is ready for it. */
function register({ registration }: IrcCommandContext): Step[] {
  const nick = registration.startLogin();
  if (nick === null) return local();
  // Both at once, so that the welcome comes before the answers to whatever the client sends next.
  return [core("LOGIN", [nick], { kind: "login", nick }), core("WHO", [], { kind: "welcome" })];
}

/** Commands a client may send before registration. */
const BEFORE_REGISTRATION: Readonly<Record<string, Translate>> = {
  CAP(params, context) {
    const { lines, registration } = context;
    const sub = (params[0] ?? "").toUpperCase();
    const server = lines.names.server;
    switch (sub) {
      case "LS":
        registration.capsBegin();
        return local(`:${server} CAP ${lines.nick} LS :`);
      case "LIST":
        return local(`:${server} CAP ${lines.nick} LIST :`);
      case "REQ":
        registration.capsBegin();
        return local(`:${server} CAP ${lines.nick} NAK :${params[1] ?? ""}`);
      case "END":
        registration.capsEnd();
        return register(context);
      default:
        return local(lines.numeric("410", `${echo(sub)} :Invalid CAP command`));
    }
  },
  PASS: (_params, { lines, registration }) => (registration.registered ? local(lines.numeric("462", ":You may not reregister")) : local()),
  NICK(params, context) {
    const nick = params[0];
    const { lines } = context;
    if (nick === undefined || nick === "") return local(lines.numeric("431", ":No nickname given"));
    switch (context.registration.nickGiven(nick)) {
      case "same":
        return local();
      case "rename":
        return [core("NICK", [nick], { kind: "rename", nick })];
      case "erroneous":
        return local(lines.numeric("432", `${echo(nick)} :Erroneous nickname`));
      case "taken":
        return register(context);
    }
  },
  USER(params, context) {
    const { lines, registration } = context;
    if (registration.registered) return local(lines.numeric("462", ":You may not reregister"));
    // An empty user name or realname is no more given than a missing one (Modern IRC).
    if (params.length < 4 || params[0] === "" || params[3] === "") return local(lines.numeric("461", "USER :Not enough parameters"));
    registration.userGivenNow(params[0]!, params[3]!);
    return register(context);
  },
  PING: (params, { lines }) => (params.length < 1 ? local(lines.numeric("409", ":No origin specified")) : [core("PING", [], { kind: "ping", token: params[0]! })]),
  PONG: () => local(),
  QUIT: (params) => [core("QUIT", [params[0] ?? ""], { kind: "quit", message: params[0] ?? "" })],
};

/** PRIVMSG and NOTICE: to the lobby (everyone), a channel (a room), or a nick (a DM). */
function message(notice: boolean): Translate {
  return (params, context) => {
    const { lines, channels } = context;
    const target = params[0];
    if (target === undefined || target === "") return notice ? local() : local(lines.numeric("411", ":No recipient given (PRIVMSG)"));
    let text = params[1] ?? "";
    // CTCP ACTION (/me) becomes plain text; other CTCP requests are not answered.
    if (text.startsWith("\u0001")) {
      if (!text.startsWith("\u0001ACTION ")) return local();
      text = `* ${text.slice(8).replace(/\u0001$/, "")}`;
    }
    if (text === "") return notice ? local() : local(lines.numeric("412", ":No text to send"));
    if (target.includes(",")) return local(lines.numeric("407", `${echo(target)} :Too many recipients`));
    const expectation: Expectation = { kind: "message", target, notice };
    const lobby = isLobby(target, context);
    if (!lobby && target.startsWith("#") && !channels.has(nameKey(target))) {
      return notice ? local() : local(lines.numeric("404", `${echo(target)} :Cannot send to channel (not joined)`));
    }
    // A NOTICE is the core's: a message no client answers by itself, shown as a NOTICE to IRC users
    // (`*`, the core's word for everyone, is no nick here: such a notice goes nowhere, and says nothing).
    if (notice) return target === "*" ? local() : [core("NOTICE", [lobby ? "*" : target, text], expectation)];
    if (lobby) return [core("MSG", [text], expectation)];
    return [core(target.startsWith("#") ? "MSG" : "DM", [target, text], expectation)];
  };
}

/** The first of a comma-separated list (the door takes one channel at a time). */
function first(list: string): string {
  return list.split(",")[0]!;
}

/** One channel of a JOIN's list, answered on its own: a bad name among them does not stop the others. */
function joinChannel(channel: string, context: IrcCommandContext): Step[] {
  if (isLobby(channel, context)) return []; // everyone is in it already
  if (!channel.startsWith("#")) return local(context.lines.numeric("403", `${echo(channel)} :No such channel`));
  return [core("JOIN", [channel], { kind: "join", channel }), core("MEMBERS", [channel], { kind: "names", channel: nameKey(channel), afterJoin: true })];
}

/**
 * WHO: a channel's members (the lobby's: everyone), or the users a mask
 * matches (`*`, `0` or none: everyone), each with its profile (away,
 * realname); WHOX's form (`%<fields>[,<token>]`) too. `WHO <mask> o` asks
 * for operators: there are none.
 */
function who(params: readonly string[], context: IrcCommandContext): Step[] {
  const { lines } = context;
  const mask = params[0] ?? "*";
  const whox = whoxOf(params[1]);
  if (params[1] === "o") return local(lines.endOfWho(mask));
  if (mask.startsWith("#")) {
    if (isLobby(mask, context)) return [core("WHO", [WITH_PROFILES], { kind: "who", query: { mask, channel: lines.names.lobby, whox } })];
    return [core("MEMBERS", [mask, WITH_PROFILES], { kind: "who", query: { mask, channel: nameKey(mask), whox } })];
  }
  const matcher = IrcMask.compile(mask === "0" ? "*" : mask);
  // Too long to match any name: answered here, without listing everyone.
  if (matcher === null) return local(lines.endOfWho(mask));
  return [core("WHO", [WITH_PROFILES], { kind: "who", query: { mask, channel: "*", matcher, whox } })];
}

/**
 * MODE on a channel: its modes (`+nt`, those of every channel here), an
 * empty ban list; setting a mode is refused, since nobody is a channel
 * operator. A channel one is not in has modes if it has members.
 */
function channelMode(channel: string, change: string | undefined, context: IrcCommandContext): Step[] {
  const { lines, channels } = context;
  if (change === "b" || change === "+b") return local(lines.numeric("368", `${echo(channel)} :End of channel ban list`));
  if (change !== undefined) return local(lines.numeric("482", `${echo(channel)} :Channel modes cannot be set here`));
  if (isLobby(channel, context) || channels.has(nameKey(channel))) return local(lines.channelModes(channel));
  return [core("MEMBERS", [channel], { kind: "channel-modes", channel })];
}

/**
 * MODE on oneself: `i` (invisible) is set and unset, and kept; the changes
 * made are said back as servers say them (`:nick MODE nick :+i`), nothing
 * for a change to what already was, 501 for any other letter.
 */
function userMode(change: string, context: IrcCommandContext): Step[] {
  const { lines } = context;
  let adding = true;
  let sign = "";
  let made = "";
  let unknown = false;
  for (const letter of change) {
    if (letter === "+" || letter === "-") {
      adding = letter === "+";
    } else if (letter !== "i") {
      unknown = true;
    } else if (context.invisible !== adding) {
      context.invisible = adding;
      const wanted = adding ? "+" : "-";
      if (sign !== wanted) {
        sign = wanted;
        made += sign;
      }
      made += letter;
    }
  }
  const said = made === "" ? [] : [`:${lines.nick} MODE ${lines.nick} :${made}`];
  return local(...said, ...(unknown ? [lines.numeric("501", ":Unknown MODE flag")] : []));
}

/** Nicks looked up at most by one USERHOST or ISON (RFC 2812 says five for USERHOST). */
const MAX_LOOKUPS = 5;

/** Commands for registered clients. */
const AFTER_REGISTRATION: Readonly<Record<string, Translate>> = {
  PRIVMSG: message(false),
  NOTICE: message(true),
  JOIN(params, context) {
    const { lines } = context;
    const list = params[0];
    if (list === undefined || list === "") return local(lines.numeric("461", "JOIN :Not enough parameters"));
    if (list === "0") return local(lines.numeric("421", "JOIN :JOIN 0 is not supported here: PART each channel"));
    // Keys (the second parameter) are read and let be: rooms have none, so any key opens them.
    // Each channel once, as first spelled.
    const wanted = new Map<string, string>();
    for (const channel of list.split(",")) if (channel !== "" && !wanted.has(nameKey(channel))) wanted.set(nameKey(channel), channel);
    const steps = [...wanted.values()].flatMap((channel) => joinChannel(channel, context));
    return steps.length === 0 ? local() : steps;
  },
  PART(params, context) {
    const { lines } = context;
    const list = params[0];
    if (list === undefined || list === "") return local(lines.numeric("461", "PART :Not enough parameters"));
    const channel = first(list);
    // The lobby is everyone on the server: one leaves it by leaving (QUIT).
    if (isLobby(channel, context)) return local(lines.notice(`You cannot leave ${channel}: it is everyone on this server. /quit to leave.`));
    if (!channel.startsWith("#")) return local(lines.numeric("403", `${echo(channel)} :No such channel`));
    const message = params[1] ?? "";
    return [core("PART", [channel, message], { kind: "part", channel, message })];
  },
  NAMES(params, context) {
    const { lobby } = context.lines.names;
    const channel = first(params[0] ?? lobby);
    if (isLobby(channel, context)) return [core("WHO", [], { kind: "names", channel: lobby })];
    if (!channel.startsWith("#")) return local(context.lines.numeric("366", `${echo(channel)} :End of /NAMES list`));
    return [core("MEMBERS", [channel], { kind: "names", channel })];
  },
  TOPIC(params, context) {
    const { lines, channels } = context;
    const channel = params[0];
    if (channel === undefined) return local(lines.numeric("461", "TOPIC :Not enough parameters"));
    if (params.length > 1) return local(lines.numeric("482", `${echo(channel)} :Topics cannot be set here`));
    if (isLobby(channel, context)) return local(lines.numeric("332", `${lines.names.lobby} :${LOBBY_TOPIC}`));
    if (channels.has(nameKey(channel))) return local(lines.numeric("331", `${echo(channel)} :No topic is set`));
    return local(lines.numeric("442", `${echo(channel)} :You're not on that channel`));
  },
  LIST() {
    const count = { users: 0 };
    return [core("WHO", [], { kind: "user-count", count }), core("ROOMS", [], { kind: "list", count })];
  },
  WHO: who,
  WHOIS(params, { lines }) {
    if (params.length < 1) return local(lines.numeric("431", ":No nickname given"));
    const nick = params.at(-1)!;
    return [core("WHOIS", [nick], { kind: "whois", nick })];
  },
  USERHOST: lookup("302"),
  ISON: lookup("303"),
  MODE(params, context) {
    const { lines } = context;
    const [target, change] = params;
    if (target === undefined) return local(lines.numeric("461", "MODE :Not enough parameters"));
    if (target.startsWith("#")) return channelMode(target, change, context);
    if (nameKey(target) !== nameKey(lines.nick)) return local(lines.numeric("502", ":Can't change mode for other users"));
    if (change === undefined) return local(lines.numeric("221", context.invisible ? "+i" : "+"));
    return userMode(change, context);
  },
  AWAY(params) {
    const message = params[0] ?? "";
    return [core("AWAY", [message], { kind: "away", away: message !== "" })];
  },
  MOTD: (_params, { lines }) => local(lines.numeric("422", ":MOTD File is missing")),
  VERSION: (_params, { lines, version }) => local(lines.numeric("351", `${version} ${lines.names.server} :a chat server for TCP, WebSocket and IRC`)),
  LUSERS() {
    const count = { users: 0 };
    return [core("WHO", [], { kind: "user-count", count }), core("ROOMS", [], { kind: "lusers", count })];
  },
};

/** USERHOST and ISON: the nicks given (at most five) that are online, looked up. */
function lookup(numeric: "302" | "303"): Translate {
  return (params, { lines }, command) => {
    if (params.length < 1) return local(lines.numeric("461", `${command} :Not enough parameters`));
    const nicks = params.flatMap((param) => param.split(" ")).filter(Boolean).slice(0, MAX_LOOKUPS);
    return [core("WHOIS", [nicks.join(" ")], { kind: "userhost", numeric })];
  };
}

/**
 * Verbs of the core that IRC users reach through IRC's own commands (a
 * PRIVMSG is a MSG or a DM ...), or that have no place on IRC (resuming):
 * sent as they are, they are unknown commands, as on any IRC server.
 */
const NOT_RAW = new Set(["LOGIN", "MSG", "DM", "WHO", "PING", "QUIT", "RESUMABLE", "RESUME", "ROOMS", "MEMBERS"]);

/**
 * A plugin's own verb, from a registered client: its parameters in the
 * order given, those beyond the command's last joined into it by spaces.
 */
function pluginVerb(message: IrcMessage, forms: readonly (readonly string[])[]): Step[] {
  const names = forms.at(-1)!;
  const { command, params } = message;
  const given = names.length === 0 ? [] : [...params.slice(0, names.length - 1), params.slice(names.length - 1).join(" ")];
  while (given.length < names.length) given.push("");
  return [core(command, given, { kind: "plugin", verb: command })];
}

/**
 * The table from IRC's commands to the core's: the commands to give the
 * core for one IRC message, each with what its answers are for (a local
 * answer is a PING to the core). A command IRC does not know but a plugin
 * registered goes to the core as it is.
 */
export function translate(message: IrcMessage, context: IrcCommandContext): Step[] {
  const { command, params } = message;
  const early = BEFORE_REGISTRATION[command];
  if (early !== undefined) return early(params, context, command);
  if (context.registration.stage !== Stage.Registered) return local(context.lines.numeric("451", ":You have not registered"));
  const late = AFTER_REGISTRATION[command];
  if (late !== undefined) return late(params, context, command);
  const forms = NOT_RAW.has(command) ? undefined : context.syntax.forms(command);
  if (forms !== undefined) return pluginVerb(message, forms);
  return local(context.lines.numeric("421", `${echo(command)} :Unknown command`));
}

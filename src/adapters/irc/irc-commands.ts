import { nameKey } from "../../core/text";
import { WITH_PROFILES, type CommandInput, type CommandSyntax } from "../../core/language";
import { IrcMask } from "./irc-mask";
import { whoxOf, type WhoQuery } from "./irc-who";
import type { IrcMessage } from "./irc-message";
import { Stage, type Registration } from "./irc-registration";
import { echo, type IrcLines } from "./irc-replies";
import { LOBBY_TOPIC, MAX_NAMES, type UserCount } from "./irc-welcome";

/** What a command given to the core is for, and how its answers become IRC (see IrcAnswers). */
export type Expectation =
  /**
   * A command the door answers itself: the core only sees a PING (activity,
   * flood budget), its answer is dropped, and `lines` are said in their
   * turn, after the answers to the commands before.
   */
  | { readonly kind: "local"; readonly lines: readonly string[] }
  | { readonly kind: "ping"; readonly token: string }
  /** `signIn`: with a PASS, into the nick's account. */
  | { readonly kind: "login"; readonly nick: string; readonly signIn: boolean }
  /** OPER (`up`), or MODE -o on oneself. */
  | { readonly kind: "oper"; readonly up: boolean }
  /** NICK once registered: the core's rename. */
  | { readonly kind: "rename"; readonly nick: string }
  /** Sent with the LOGIN: who is online, with profiles, for the welcome burst's counts and the lobby's names (if the login succeeded). */
  | { readonly kind: "welcome" }
  | { readonly kind: "message"; readonly target: string; readonly notice: boolean }
  | { readonly kind: "join"; readonly channel: string }
  | { readonly kind: "part"; readonly channel: string; readonly message: string }
  /** JOIN of the lobby by a user out of it: who is online (a WHO with profiles) for its names; in it from the answer on. */
  | { readonly kind: "lobby-join" }
  /** PART of the lobby (the core sees a PING): out of it from the answer on. */
  | { readonly kind: "lobby-part"; readonly message: string }
  /** `afterJoin`: sent with a JOIN, and answered only if the JOIN was. */
  /** `end`: what the 366 that ends the answer names (a NAMES's whole list, as given), or null for no 366 (a channel of a list but the last). */
  | { readonly kind: "names"; readonly channel: string; readonly afterJoin?: boolean; readonly end?: string | null }
  | { readonly kind: "who"; readonly query: WhoQuery }
  | { readonly kind: "whois"; readonly nick: string }
  | { readonly kind: "userhost"; readonly numeric: "302" | "303" }
  /**
   * LIST and LUSERS are two commands each: WHO (the users, counted, with
   * their profiles) then ROOMS; `count` carries the first's answer to the
   * second.
   */
  | { readonly kind: "user-count"; readonly count: UserCount }
  | { readonly kind: "list"; readonly count: UserCount }
  | { readonly kind: "lusers"; readonly count: UserCount }
  /** MODE on a channel (a room): its members say whether it exists, and whether it is secret. */
  | { readonly kind: "channel-modes"; readonly channel: string }
  /** A change to a channel's modes (`nick`: the one MODE +o or -o names): the MODE line comes as an event; only a refusal is answered. */
  | { readonly kind: "mode-change"; readonly channel: string; readonly nick?: string }
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
  /** Whether the user is in the lobby (it hears everyone: see ConnectionCodec.hearsEveryone); PART and JOIN change it, as their answers are said. */
  inLobby: boolean;
  /** User mode `i`, as the client set it (MODE): kept, said back, and told to the core (a WHO by mask hides the user from those who share no channel with it). */
  invisible: boolean;
  /** User mode `o`: OPER succeeded (and no MODE -o since). */
  operator: boolean;
  /** `inLobby` or `invisible` changed: the core is told (`words`: the PART message of one who left the lobby). */
  modesChanged(words?: string): void;
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
  const login = registration.startLogin();
  if (login === null) return local();
  const { nick, password } = login;
  const signIn = password !== undefined;
  // Both at once, so that the welcome comes before the answers to whatever the client sends next.
  return [core("LOGIN", signIn ? [nick, password] : [nick], { kind: "login", nick, signIn }), core("WHO", [WITH_PROFILES], { kind: "welcome" })];
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
  PASS(params, { lines, registration }) {
    if (registration.stage !== Stage.Open) return local(lines.numeric("462", ":You may not reregister"));
    if (params[0] === undefined || params[0] === "") return local(lines.numeric("461", "PASS :Not enough parameters"));
    registration.passGiven(params[0]);
    return local();
  },
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

/** PRIVMSG and NOTICE: to the lobby (everyone), a channel (a room), or a nick (a DM); to a channel only from within it. */
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
    if (lobby ? !context.inLobby : target.startsWith("#") && !channels.has(nameKey(target))) {
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

/** A channel's names for NAMES (none for a name that is no channel's), ended by a 366 naming `end` unless it is null. */
function namesOf(channel: string, end: string | null, context: IrcCommandContext): Step[] {
  const { lobby } = context.lines.names;
  if (isLobby(channel, context)) return [core("WHO", [WITH_PROFILES], { kind: "names", channel: lobby, end })];
  if (channel.startsWith("#")) return [core("MEMBERS", [channel], { kind: "names", channel, end })];
  return end === null ? [] : local(context.lines.numeric("366", `${echo(end)} :End of /NAMES list`));
}

/** One channel of a JOIN's list, answered on its own: a bad name among them does not stop the others. */
function joinChannel(channel: string, context: IrcCommandContext): Step[] {
  if (isLobby(channel, context)) return context.inLobby ? [] : [core("WHO", [WITH_PROFILES], { kind: "lobby-join" })];
  if (!channel.startsWith("#")) return local(context.lines.numeric("403", `${echo(channel)} :No such channel`));
  return [core("JOIN", [channel], { kind: "join", channel }), core("MEMBERS", [channel], { kind: "names", channel: nameKey(channel), afterJoin: true })];
}

/**
 * WHO: a channel's members (the lobby's: those in it), or the users a mask
 * matches (`*`, `0` or none: everyone; a mask with a wildcard leaves out
 * the invisible users who share no channel with the asker), each with its
 * profile (away, realname); WHOX's form (`%<fields>[,<token>]`) too. `WHO <mask> o` asks
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
 * MODE on a channel. Without a change: its modes (`+nt`, every channel's,
 * and `s` when it is secret: its members say so, and whether it exists);
 * `b`, an empty ban list. Changes, letter by letter, in order: `o` makes
 * the next nick of the parameters a channel operator or not, `s` the
 * channel secret or not, each a command of the core's, which refuses them
 * but to an operator (482; 441 for a nick not in the channel); `n` and `t`
 * are always set; any other letter is 472. Nobody operates the lobby.
 */
function channelMode(channel: string, [change, ...nicks]: readonly string[], context: IrcCommandContext): Step[] {
  const { lines } = context;
  const lobby = isLobby(channel, context);
  if (change === undefined) return lobby ? local(lines.channelModes(channel, false)) : [core("MEMBERS", [channel], { kind: "channel-modes", channel })];
  if (change === "b" || change === "+b") return local(lines.numeric("368", `${echo(channel)} :End of channel ban list`));
  if (lobby) return local(lines.numeric("482", `${echo(channel)} :You're not channel operator`));
  const steps: Step[] = [];
  let adding = true;
  for (const letter of change) {
    if (letter === "+" || letter === "-") {
      adding = letter === "+";
    } else if (letter === "o") {
      const nick = nicks.shift();
      if (nick === undefined) steps.push(...local(lines.numeric("461", "MODE :Not enough parameters")));
      else steps.push(core(adding ? "OP" : "DEOP", [channel, nick], { kind: "mode-change", channel, nick }));
    } else if (letter === "s") {
      steps.push(core(adding ? "SECRET" : "PUBLIC", [channel], { kind: "mode-change", channel }));
    } else if (letter === "n" || letter === "t") {
      if (!adding) steps.push(...local(lines.notice(`${echo(channel)}: modes n and t are always set here`)));
    } else {
      steps.push(...local(lines.numeric("472", `${echo(letter)} :is unknown mode char to me`)));
    }
  }
  return steps.length === 0 ? local() : steps;
}

/**
 * MODE on oneself: `i` (invisible) is set and unset, kept, and told to the core; `-o` stops
 * being a server operator (`+o` is ignored: OPER gives it); the changes
 * made are said back as servers say them (`:nick MODE nick :+i`), nothing
 * for a change to what already was, 501 for any other letter.
 */
function userMode(change: string, context: IrcCommandContext): Step[] {
  const { lines } = context;
  let adding = true;
  let sign = "";
  let made = "";
  let unknown = false;
  let deoper = false;
  const wasInvisible = context.invisible;
  for (const letter of change) {
    if (letter === "+" || letter === "-") {
      adding = letter === "+";
      continue;
    }
    if (letter === "o") {
      // +o is OPER's to give (a client asking for it is ignored, as servers do); -o gives it up.
      if (adding || !context.operator) continue;
      context.operator = false;
      deoper = true;
    } else if (letter !== "i") {
      unknown = true;
      continue;
    } else if (context.invisible !== adding) {
      context.invisible = adding;
    } else {
      continue;
    }
    const wanted = adding ? "+" : "-";
    if (sign !== wanted) {
      sign = wanted;
      made += sign;
    }
    made += letter;
  }
  if (context.invisible !== wasInvisible) context.modesChanged();
  const said = made === "" ? [] : [`:${lines.nick} MODE ${lines.nick} :${made}`];
  const answered = local(...said, ...(unknown ? [lines.numeric("501", ":Unknown MODE flag")] : []));
  return deoper ? [core("DEOPER", [], { kind: "oper", up: false }), ...answered] : answered;
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
    const message = params[1] ?? "";
    if (isLobby(channel, context)) {
      // Out of the lobby, the user hears only its channels and DMs, until it JOINs the lobby again.
      if (!context.inLobby) return local(lines.numeric("442", `${echo(channel)} :You're not on that channel`));
      return [{ command: PING, expectation: { kind: "lobby-part", message } }];
    }
    if (!channel.startsWith("#")) return local(lines.numeric("403", `${echo(channel)} :No such channel`));
    return [core("PART", [channel, message], { kind: "part", channel, message })];
  },
  NAMES(params, context) {
    const asked = params[0] ?? context.lines.names.lobby;
    const channels = asked.split(",").filter((channel) => channel !== "").slice(0, MAX_NAMES);
    if (channels.length === 0) return local(context.lines.numeric("366", `${echo(asked)} :End of /NAMES list`));
    // Each channel's names, then one 366 for the list as it was given (RFC 2812).
    return channels.flatMap((channel, index) => namesOf(channel, index === channels.length - 1 ? asked : null, context));
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
  LIST: () => census("list"),
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
    if (target.startsWith("#")) return channelMode(target, params.slice(1), context);
    if (nameKey(target) !== nameKey(lines.nick)) return local(lines.numeric("502", ":Can't change mode for other users"));
    if (change === undefined) return local(lines.numeric("221", `+${context.invisible ? "i" : ""}${context.operator ? "o" : ""}`));
    return userMode(change, context);
  },
  OPER(params, { lines }) {
    if (params.length < 2) return local(lines.numeric("461", "OPER :Not enough parameters"));
    return [core("OPER", [params[0]!, params[1]!], { kind: "oper", up: true })];
  },
  AWAY(params) {
    const message = params[0] ?? "";
    return [core("AWAY", [message], { kind: "away", away: message !== "" })];
  },
  MOTD: (_params, { lines }) => local(lines.numeric("422", ":MOTD File is missing")),
  VERSION: (_params, { lines, version }) => local(lines.numeric("351", `${version} ${lines.names.server} :a chat server for TCP, WebSocket and IRC`)),
  LUSERS: () => census("lusers"),
};

/** LIST and LUSERS: the users counted (WHO), then the rooms (ROOMS), answered together as `kind` says. */
function census(kind: "list" | "lusers"): Step[] {
  const count = { users: 0, invisible: 0, inLobby: 0 };
  return [core("WHO", [WITH_PROFILES], { kind: "user-count", count }), core("ROOMS", [], { kind, count })];
}

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
 * PRIVMSG is a MSG or a DM, a MODE +o an OP ...), or that have no place on IRC (resuming):
 * sent as they are, they are unknown commands, as on any IRC server.
 */
const NOT_RAW = new Set(["LOGIN", "DEOPER", "MSG", "DM", "WHO", "PING", "QUIT", "RESUMABLE", "RESUME", "ROOMS", "MEMBERS", "OP", "DEOP", "SECRET", "PUBLIC"]);

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

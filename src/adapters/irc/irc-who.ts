import type { UserProfile } from "../../core/language";
import type { Profile } from "../../core/ports/profiles.port";
import { nameKey } from "../../core/text";
import type { IrcMask } from "./irc-mask";
import { echo, type IrcLines } from "./irc-replies";

/** WHOX's fields (IRCv3 whox), in the order a 354 gives them, whatever the order they were asked in. */
const WHOX_FIELDS = "tcuihsnfdlaor";

/** WHOX's form of the second parameter: `%<fields>[,<token>]`. */
const WHOX = /^%([a-z]*)(?:,(.*))?$/;

/** What a WHO asks for: whom it lists, and in which form. */
export interface WhoQuery {
  /** The mask as the client sent it: 315 gives it back. */
  readonly mask: string;
  /** A channel's WHO: the channel, as 352 names it (every member is listed); `*` for a mask's. */
  readonly channel: string;
  /** A mask's WHO: the names it matches (compiled once); none for a channel's. */
  readonly matcher?: IrcMask;
  /** WHOX (`WHO <mask> %<fields>[,<token>]`): the fields asked for, and the token to give back. */
  readonly whox?: { readonly fields: string; readonly token: string };
}

/** WHOX's fields and token from a WHO's second parameter; undefined for a plain WHO. */
export function whoxOf(param: string | undefined): WhoQuery["whox"] {
  const found = param === undefined ? null : WHOX.exec(param);
  return found === null ? undefined : { fields: found[1]!, token: echo(found[2] ?? "0") };
}

/** A user a WHO lists, with what it shows of itself (none when the core had no profile for it), and whether it is an operator of the channel listed. */
export interface Listed {
  readonly user: string;
  readonly profile: UserProfile | null;
  readonly operator: boolean;
}

/** A mask with a wildcard (`0` is `*`): one that may find users not asked for by name. */
const WILDCARD = /[*?]|^0$/;

/**
 * Of the users the core listed for a WHO, those it shows the asker: for
 * the lobby, those in it (for a room, every member); for a mask with a
 * wildcard, all but the invisible users who share no channel with the
 * asker (a room, or the lobby when both are in it) and are not the asker.
 * A mask without one is a nick: its user is found whatever its modes.
 */
export function visibleTo(asker: { readonly lines: IrcLines; readonly inLobby: boolean }, query: WhoQuery, listed: readonly Listed[]): readonly Listed[] {
  const { lines, inLobby } = asker;
  if (query.channel === lines.names.lobby) return listed.filter(({ profile }) => profile?.outside !== true);
  if (query.channel !== "*" || !WILDCARD.test(query.mask)) return listed;
  const me = nameKey(lines.nick);
  return listed.filter(({ user, profile }) => profile?.invisible !== true || profile.sharesRoom === true || (inLobby && profile.outside !== true) || nameKey(user) === me);
}

/** Seconds since the user last spoke (or logged in), as WHOIS's 317 and WHOX's `l` give them. */
export function idleSeconds(profile: Profile, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - (profile.spoke ?? profile.since)) / 1000));
}

/**
 * A WHO's answer: a 352 (or, for WHOX, a 354 of the fields asked for) for
 * each user listed that the mask matches, then 315. The user name is the
 * one its IRC client gave (USER), else its nick; the host the server's
 * name; the flags `H`, or `G` for a user who is away, then `*` for a
 * server operator and `@` for an operator of the channel a channel's WHO
 * lists; the hop count 0.
 */
export function whoLines(query: WhoQuery, listed: readonly Listed[], lines: IrcLines, nowMs: number): string[] {
  const { matcher, whox } = query;
  const shown = matcher === undefined ? listed : listed.filter(({ user }) => matcher.matches(user));
  const { server } = lines.names;
  // The WHOX fields asked for, in WHOX's order: the same for every user listed.
  const asked = whox === undefined ? [] : [...WHOX_FIELDS].filter((field) => whox.fields.includes(field));
  const said = shown.map(({ user, profile, operator }) => {
    const flags = (profile?.away === undefined ? "H" : "G") + (profile?.operator === true ? "*" : "") + (operator ? "@" : "");
    const realname = profile?.realname ?? user;
    const ident = profile?.ident ?? user;
    if (whox === undefined) return lines.numeric("352", `${query.channel} ${ident} ${server} ${server} ${user} ${flags} :0 ${realname}`);
    const values: Readonly<Record<string, string>> = {
      t: whox.token,
      c: query.channel,
      u: ident,
      // Addresses are nobody's business.
      i: "255.255.255.255",
      h: server,
      s: server,
      n: user,
      f: flags,
      d: "0",
      l: String(profile === null ? 0 : idleSeconds(profile, nowMs)),
      // The account it is signed in to ("0": a guest); no channel operator levels.
      a: profile?.account ?? "0",
      o: "n/a",
      // Last of all, so that it may hold spaces.
      r: `:${realname}`,
    };
    return lines.numeric("354", asked.map((field) => values[field]).join(" "));
  });
  return [...said, lines.endOfWho(query.mask)];
}

import { inject, injectable } from "tsyringe";
import { PluginHooks, type MessageDecision } from "./hooks";
import type {
  ChatMessage,
  GroupInfo,
  LoginResult,
  MessageTarget,
  RenameResult,
  RoomApi,
  ResumeResult,
  SendResult,
  SessionHandle,
} from "./plugin-api";
import { RoomLimitError } from "./errors";
import { Accounts, type Origin } from "./accounts";
import { Outgoing, type Departed, type EventBody, type GroupModeChange, type PluginEventData } from "./events";
import { EventStamps } from "./event-ids";
import type { ClockPort } from "./ports/clock.port";
import type { Member } from "./member";
import type { Replay, ResumePoint } from "./resume-log";
import { Resumption } from "./resumption";
import type { DeliveryPort, GroupRoster, Membership, ModeResult } from "./ports/delivery.port";
import type { ResumeRequest, SessionMovesPort } from "./ports/session-moves.port";
import type { LoggerPort } from "./ports/logger.port";
import type { MetricsPort } from "./ports/metrics.port";
import type { PresencePort } from "./ports/presence.port";
import type { Profile, ProfilesPort } from "./ports/profiles.port";
import { isValidUsername, nameKey, relayableText, sameName } from "./text";
import { error, type Farewell } from "./language";
import type { CoreSettings } from "./settings";
import { TOKENS } from "./tokens";

const NOT_FOUND: SendResult = Object.freeze({ status: "not-found" });
const GONE: SendResult = Object.freeze({ status: "gone" });
const SIGNED_OUT: Farewell = Object.freeze(error("signed-out"));
const DELIVERED = Promise.resolve(true);
/** How often, at most, a user's last message time is written to its profile: WHOIS's idle time is to the second. */
const SPOKE_NOTED_MS = 1000;

/** How a session takes part, as its door says and its profile records it: outside everyone, invisible (see Profile). */
function modesOf(session: Member): Pick<Profile, "outside" | "invisible"> {
  return { ...(!session.hearsEveryone && { outside: true }), ...(session.invisible && { invisible: true }) };
}

/**
 * The users who are logged in, as the domain sees them: claims names through
 * the presence port and reaches users and groups through the delivery port,
 * so that both can live elsewhere (another process, a cluster) without the
 * room or the plugins knowing.
 */
@injectable()
export class Room implements RoomApi {
  /** Users who left and are yet to be announced. */
  private departures: Departed[] = [];
  /** The groups of the sessions withdrawn (closing) until they leave: their departure names them. */
  private readonly withdrawnFrom = new WeakMap<Member, readonly string[]>();
  /** The connections of this server, by id: how a handle a plugin passes is known for one. */
  private readonly connections = new Map<number, Member>();
  /** This node's events' identities. */
  private readonly stamps: EventStamps;

  constructor(
    @inject(TOKENS.Presence) private readonly presence: PresencePort,
    @inject(TOKENS.Delivery) private readonly delivery: DeliveryPort,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
    @inject(TOKENS.Metrics) private readonly metrics: MetricsPort,
    @inject(TOKENS.Settings) private readonly settings: CoreSettings,
    @inject(TOKENS.Clock) private readonly clock: ClockPort,
    @inject(TOKENS.Profiles) private readonly profiles: ProfilesPort,
    private readonly hooks: PluginHooks,
    private readonly resumption: Resumption,
    private readonly accounts: Accounts,
  ) {
    metrics.countRooms(() => delivery.groupsHere());
    delivery.onSignOut(this.endSessionsOf);
    this.stamps = new EventStamps(clock);
  }

  /** A connection opened: its handle is now known to the room. */
  admit(member: Member): void {
    this.connections.set(member.id, member);
  }

  /** A connection closed. */
  forget(member: Member): void {
    this.connections.delete(member.id);
  }

  /**
   * A guest's LOGIN: any free name no account has, while guests are
   * allowed. On a connection its door signed in to an account (a browser's
   * cookie: see Connection.account), the account's name signs in to it.
   */
  async login(handle: SessionHandle, username: string): Promise<LoginResult> {
    const session = this.member(handle);
    if (session.username !== null) return "already-logged-in";
    if (!isValidUsername(username)) return "invalid-username";
    const { doorAccount } = session;
    if (doorAccount !== undefined && sameName(doorAccount, username)) return this.enter(session, doorAccount, doorAccount);
    if (!this.accounts.guestsAllowed) return "guests-not-allowed";
    if (await this.accounts.isRegistered(username)) return "username-registered";
    return this.enter(session, username, null);
  }

  /**
   * The session goes by `username` from now on, signed in to `account`
   * (null: a guest), once the name is claimed and `settle`, if given, said
   * "ok" (else the name is let go, and its answer is the session's); the
   * others are told.
   */
  async enter<Refusal extends string = never>(
    handle: SessionHandle,
    username: string,
    account: string | null,
    settle?: () => Promise<Refusal | "ok">,
  ): Promise<LoginResult | Refusal> {
    const session = this.member(handle);
    if (session.username !== null) return "already-logged-in";
    if (!(await this.presence.claim(username))) return "username-taken";
    // What must hold once the name is this session's (an account made for it), or the name goes back.
    const settled: Refusal | "ok" = settle === undefined ? "ok" : await settle().catch((error: unknown) => (this.presence.release(username), Promise.reject(error)));
    if (settled !== "ok") {
      this.presence.release(username);
      return settled;
    }
    if (!session.isOpen) {
      // The connection went away while the claim was in flight; the reply goes nowhere.
      this.presence.release(username);
      return "ok";
    }
    session.joined(username, this.hooks.hasLoginHooks);
    session.account = account;
    this.delivery.attach(username, session);
    const { secure, realname, ident } = session;
    this.describe(session, {
      since: this.clock.epochMs(),
      secure,
      ...(realname !== undefined && { realname }),
      ...(ident !== undefined && { ident }),
      ...(account !== null && { account }),
      ...modesOf(session),
    });
    this.logger.info(account === null ? { conn: session.id, user: username } : { conn: session.id, user: username, account }, "login");
    this.metrics.userLoggedIn();
    const login: EventBody = {
      type: "login",
      user: username,
      ...(account !== null && { signedIn: true as const }),
      ...(!session.hearsEveryone && { outside: true as const }),
    };
    this.delivery.announceLogin(this.stamps.event(login), session);
    return "ok";
  }

  /**
   * The session's door changed whether its user hears everyone or is
   * invisible: its profile says so, and if it left everyone or came back,
   * those who hear everyone are told (an `outside` event, with its words
   * on leaving).
   */
  modeChanged(session: Member, words: string | undefined): void {
    const { outside: was, invisible: _, ...rest } = this.profileOf(session);
    const modes = modesOf(session);
    this.describe(session, { ...rest, ...modes });
    const outside = modes.outside === true;
    if (outside === (was === true)) return;
    const user = session.username!;
    const message = outside && words !== undefined ? relayableText(words) : "";
    try {
      this.delivery.broadcast(this.stamps.event(message === "" ? { type: "outside", user, outside } : { type: "outside", user, outside, message }), session);
    } catch (error) {
      // Redis is away: this node's users were told, the others' miss it, as they would a message.
      this.logger.warn({ conn: session.id, user, err: error }, "telling of a user outside everyone failed");
    }
  }

  /** The session is signed in to `account` (a guest registered its name), or not any more (its account was deleted): what others see says so. */
  setAccount(handle: SessionHandle, account: string | null): void {
    const session = this.loggedIn(handle);
    session.account = account;
    const { account: _, operator: __, ...rest } = this.profileOf(session);
    this.describe(session, account === null ? rest : { ...rest, account });
  }

  /**
   * The account is signed out everywhere: this node's sessions signed in
   * to it end, told `signed-out` (those waiting for a resume too: their
   * tokens no longer work), and so do its connections whose door signed
   * them in to it and that have not logged in yet; and so on every node
   * of a cluster, as each reads it on the bus (docs/ACCOUNTS.md).
   */
  signOut(account: string): void {
    this.delivery.signOut(account);
  }

  /** This node's part of signing an account out everywhere (see signOut). */
  private readonly endSessionsOf = (account: string): void => {
    const key = nameKey(account);
    const isAccount = (name: string | null | undefined): boolean => name !== null && name !== undefined && nameKey(name) === key;
    for (const member of [...this.connections.values()]) {
      if (isAccount(member.account) || (member.username === null && isAccount(member.doorAccount))) member.end("signed-out", SIGNED_OUT);
    }
    this.resumption.expireWhere((member) => isAccount(member.account));
  };

  /** The session's user is a server operator (OPER), or not any more: what others see says so. */
  setOperator(handle: SessionHandle, operator: boolean): void {
    const session = this.loggedIn(handle);
    const { operator: _, ...rest } = this.profileOf(session);
    this.describe(session, operator ? { ...rest, operator } : rest);
  }

  /** Where the session connects from, and whether over TLS: what the account rules ask. */
  originOf(handle: SessionHandle): Origin {
    const { remoteAddress, secure } = this.member(handle);
    return { remoteAddress, secure };
  }

  /** The session's resume token no longer works (its account's password changed). */
  voidResumeToken(handle: SessionHandle): void {
    this.resumption.revoke(this.member(handle));
  }

  /** The account the session is signed in to, or null (a guest, or not logged in). */
  accountOf(handle: SessionHandle): string | null {
    return this.member(handle).account;
  }

  /**
   * The new name is claimed in place of the old one (in the registry, in
   * one step that also tells the other nodes), then the session goes by it
   * here, in its groups too, and this node's other users are told; the
   * session's client is answered by its door (IRC says NICK to it).
   */
  async rename(handle: SessionHandle, username: string): Promise<RenameResult> {
    const session = this.loggedIn(handle);
    const from = session.username!;
    if (!isValidUsername(username)) return "invalid-username";
    if (username === from) return "ok";
    // A signed-in user is its account's name; no guest takes an account's.
    if (session.account !== null) return "signed-in";
    if (await this.accounts.isRegistered(username)) return "username-registered";
    // Its groups, so that those outside everyone who share one are told too.
    const event = this.stamps.event({ type: "renamed", user: from, name: username, rooms: this.delivery.groupNamesHere(from) });
    // Until the registry answers, nobody resumes the session: it would take the old name the registry no longer holds.
    session.renaming = true;
    let renamed: boolean;
    try {
      renamed = await this.presence.rename(from, username, event);
    } finally {
      session.renaming = false;
    }
    if (!renamed) return "username-taken";
    if (!session.isOpen && !session.waitingForResume) {
      // It left under its old name while the rename was in flight (the others were told so): the new name is free again.
      this.presence.release(username);
      return "ok";
    }
    session.renamed(username);
    // Its profile (what WHOIS shows) goes with it; a cluster's script moved it already, with the name.
    this.profiles.forget(from);
    if (session.profile !== undefined) this.describe(session, session.profile);
    this.delivery.rename(from, username, session, event);
    this.logger.info({ conn: session.id, user: username, was: from }, "renamed");
    this.hooks.runRename({ session, from, to: username });
    return "ok";
  }

  /** Stops delivering to a session that is closing; `leave` follows. */
  withdraw(session: Member): void {
    const username = session.username!;
    this.withdrawnFrom.set(session, this.delivery.groupNamesHere(username));
    this.delivery.detach(username, session);
  }

  /**
   * Called once for every session that logged in, when it ends. The others
   * are told once the work at hand is done, together with everyone else
   * who left meanwhile: when thousands are dropped at once (a broadcast
   * that overflows many send queues), each remaining user gets one write
   * of their departures instead of thousands, so that a mass departure
   * costs the server in proportion to the users, not to their square.
   */
  leave(session: Member, reason: string, message?: string): void {
    this.depart(session.username!, session, reason, message);
  }

  /** `username` is gone (its session `recipient` left): its name is free, and the others will be told (with its words on leaving). */
  private depart(username: string, recipient: Member, reason: string, message?: string): void {
    const rooms = this.withdrawnFrom.get(recipient) ?? this.delivery.groupNamesHere(username);
    this.withdrawnFrom.delete(recipient);
    this.delivery.detach(username, recipient);
    this.presence.release(username, message);
    this.profiles.forget(username);
    this.metrics.userLeft();
    const departed = message === undefined ? { username, reason, rooms } : { username, reason, message, rooms };
    if (this.departures.push(departed) === 1) queueMicrotask(this.announceDepartures);
  }

  users(): Promise<readonly string[]> {
    return this.presence.list();
  }

  find(usernames: readonly string[]): Promise<readonly string[]> {
    return this.presence.find(usernames);
  }

  send(message: ChatMessage): Promise<SendResult> {
    const decision = this.hooks.decide(message);
    return decision instanceof Promise ? decision.then((settled) => this.deliverMessage(message, settled)) : this.deliverMessage(message, decision);
  }

  notify(to: MessageTarget, line: string, except?: SessionHandle): Promise<boolean> {
    return this.deliver(this.stamps.event({ type: "notice", to, text: line }), except);
  }

  /** A plugin's own event (see PluginEvents), to `to` but `except`. */
  emit(plugin: string, name: string, to: MessageTarget, data: PluginEventData, except?: SessionHandle): Promise<boolean> {
    return this.deliver(this.stamps.event({ type: "plugin", plugin, name, to, data }), except);
  }

  /**
   * Puts the session in the group; its other members are told (a `joined`
   * event). Throws RoomLimitError when the user is in as many groups as it
   * may be, or the group would be a new one on a node that holds as many as
   * it may.
   */
  async join(handle: SessionHandle, group: string): Promise<boolean> {
    const session = this.loggedIn(handle);
    // Its connection may drop meanwhile: a session waiting for a resume is still the user's.
    const present = (): boolean => session.isOpen || session.waitingForResume;
    if (!present()) return false;
    const username = session.username!;
    if (this.delivery.isInGroup(group, username)) return false;
    this.checkRoomLimits(username, group);
    const joined = await this.delivery.joinGroup(group, username, session);
    if (joined && !present()) {
      // It left while the join was in flight: no ghost members.
      await this.delivery.leaveGroup(group, username);
      return false;
    }
    if (joined) this.delivery.sendToGroup(group, this.stamps.event({ type: "joined", user: username, group }), session);
    return joined;
  }

  private checkRoomLimits(username: string, group: string): void {
    const { maxRoomsPerUser, maxRooms } = this.settings;
    const { delivery } = this;
    if (maxRoomsPerUser > 0 && delivery.groupsOf(username) >= maxRoomsPerUser) throw new RoomLimitError("too-many-rooms", group);
    if (maxRooms > 0 && !delivery.hasGroupHere(group) && delivery.groupsHere() >= maxRooms) throw new RoomLimitError("rooms-full", group);
  }

  /** Takes the session out of the group; the remaining members are told (a `parted` event). */
  async part(handle: SessionHandle, group: string, message?: string): Promise<boolean> {
    const username = this.loggedIn(handle).username!;
    const left = await this.delivery.leaveGroup(group, username);
    if (left) {
      const parted = message === undefined || message === "" ? { user: username, group } : { user: username, group, message };
      this.delivery.sendToGroup(group, this.stamps.event({ type: "parted", ...parted }));
    }
    return left;
  }

  async members(group: string): Promise<readonly string[]> {
    return (await this.delivery.roster(group)).members;
  }

  roster(group: string): Promise<GroupRoster> {
    return this.delivery.roster(group);
  }

  /** The store checks that the session's user is an operator of the group, in the step that makes the change; a change made is told to every member, the user too (a `mode` event). */
  async changeMode(handle: SessionHandle, group: string, change: GroupModeChange): Promise<ModeResult> {
    const by = this.loggedIn(handle).username!;
    const result = await this.delivery.changeMode(group, by, change);
    if (result.status === "changed") this.delivery.sendToGroup(group, this.stamps.event({ type: "mode", by, group, change: result.change }));
    return result;
  }

  resumeToken(handle: SessionHandle): string | null {
    const session = this.loggedIn(handle);
    if (!this.resumption.enabled) return null;
    this.logger.info({ conn: session.id, user: session.username }, "resumable");
    return this.resumption.issue(session);
  }

  async resume(handle: SessionHandle, token: string, point: ResumePoint): Promise<ResumeResult> {
    const session = this.member(handle);
    if (session.username !== null) return { status: "refused", reason: "already-logged-in" };
    if (!this.resumption.enabled) return { status: "refused", reason: "disabled" };
    const { moves } = this.resumption;
    const request = { token, point, protocol: session.protocol };
    const outcome = this.resumption.take(request);
    if ("refused" in outcome) {
      if (outcome.refused !== "unknown-token" || !moves.isElsewhere(token)) return { status: "refused", reason: outcome.refused };
      return this.resumeElsewhere(moves, session, request);
    }
    // All at once, with no turn in between: no line can reach either session
    // between the old one's last recorded line and the new one's greeting.
    const { resumed, replay } = outcome;
    const username = resumed.username!;
    resumed.handOver();
    session.adopt(username);
    session.account = resumed.account;
    if (resumed.profile !== undefined) this.describe(session, { ...resumed.profile, secure: session.secure });
    this.delivery.attach(username, session);
    this.welcome(session, replay, []);
    return { status: "resumed", username };
  }

  /** The session is on another node: it moves here (see SessionMovesPort), at a point in the cluster's order of events. */
  private async resumeElsewhere(moves: SessionMovesPort, session: Member, request: ResumeRequest): Promise<ResumeResult> {
    let username = "";
    const refused = await moves.fetch(request, session, (moved) => {
      username = moved.username;
      this.metrics.userLoggedIn();
      // The client went away while its session was on its way here: the user
      // leaves as any dropped session does (the closed session is not given
      // the name, so that it does not leave a second time).
      if (!session.isOpen) return this.depart(username, session, "client-closed");
      session.adopt(username);
      // Its profile is the registry's: this node takes it over, on this connection.
      void this.profiles.profilesOf([username]).then(([profile]) => {
        if (profile === null || profile === undefined || !session.isOpen || session.profile !== undefined) return;
        session.account = profile.account ?? null;
        this.describe(session, { ...profile, secure: session.secure });
      }, () => undefined);
      this.welcome(session, moved.replay, moved.missed);
    });
    return refused === null ? { status: "resumed", username } : { status: "refused", reason: refused };
  }

  /** A resumed session's first lines: its greeting (line 0 of its new count), what it missed, in order. */
  private welcome(session: Member, replay: Replay, missed: readonly Outgoing[]): void {
    const username = session.username!;
    session.reply({ kind: "resumed", username, token: this.resumption.issue(session) });
    session.replay(replay);
    for (const event of missed) session.deliver(event);
    this.logger.info({ conn: session.id, user: username }, "resumed");
  }

  isMember(handle: SessionHandle, group: string): boolean {
    return handle.username !== null && this.delivery.isInGroup(group, handle.username);
  }

  groups(): Promise<readonly GroupInfo[]> {
    return this.delivery.groups();
  }

  /** Delivers an event to its target: everyone, a group, or a user (false when not online). */
  private deliver(event: Outgoing, except?: SessionHandle): Promise<boolean> {
    const to = (event.event as { readonly to: MessageTarget }).to;
    if (to.kind === "user") return this.delivery.sendTo(to.username, event);
    try {
      this.deliverToMany(event, to, except === undefined ? undefined : this.member(except));
      return DELIVERED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** To everyone or a group: at once, with no turn of the event loop in between. */
  private deliverToMany(event: Outgoing, to: MessageTarget, except?: Member): void {
    if (to.kind === "everyone") this.delivery.broadcast(event, except);
    else if (to.kind === "group") this.delivery.sendToGroup(to.group, event, except);
  }

  private readonly announceDepartures = (): void => {
    const departures = this.departures;
    this.departures = [];
    try {
      this.delivery.announceDepartures(this.stamps.event({ type: "departure", users: departures }));
    } catch (error) {
      const usernames = departures.map(({ username }) => username);
      // Nobody's connection is to blame: log it, and go on.
      this.logger.error({ users: usernames, err: error }, "announcing departures failed");
    }
    for (const event of departures) this.hooks.runDisconnect(event);
  };

  private async deliverMessage(message: ChatMessage, decision: MessageDecision): Promise<SendResult> {
    if (decision.refuse !== undefined) return { status: "refused", reply: decision.refuse };
    const from = this.member(message.from);
    // Hooks may take time; a sender who left meanwhile says nothing more.
    if (!from.isOpen) return GONE;
    const { text } = decision;
    const { to } = message;
    const { id, at } = this.stamps.stamp();
    const sender = from.username!;
    const event = new Outgoing(
      message.notice === true ? { id, at, type: "message", from: sender, to, text, notice: true } : { id, at, type: "message", from: sender, to, text },
    );
    const { profile } = from;
    // When it last spoke, for the others' WHOIS: written at most once a second.
    if (profile !== undefined && at - (profile.spoke ?? 0) >= SPOKE_NOTED_MS) this.describe(from, { ...profile, spoke: at });
    if (to.kind !== "user") this.deliverToMany(event, to, from);
    else if (!(await this.delivery.sendTo(to.username, event))) return NOT_FOUND;
    if (this.hooks.hasMessageHooks) this.hooks.runMessage({ ...message, text, id, at });
    if (to.kind !== "user" || message.notice === true) return { status: "sent", text, id, at };
    // A DM to a user who is away: the sender is told so (IRC's 301). The DM went: a profile not read only tells less.
    const away = await this.awayMessageOf(to.username);
    return away === undefined ? { status: "sent", text, id, at } : { status: "sent", text, id, at, away };
  }

  setAway(handle: SessionHandle, message: string | null): void {
    const session = this.loggedIn(handle);
    const { away: _, ...present } = this.profileOf(session);
    this.describe(session, message === null || message === "" ? present : { ...present, away: message });
  }

  profilesOf(usernames: readonly string[]): Promise<readonly (Profile | null)[]> {
    return this.profiles.profilesOf(usernames);
  }

  roomsOf(username: string): Promise<readonly Membership[]> {
    return this.delivery.membershipsOf(username);
  }

  /** The away message of a user, if it is away; undefined too when its profile cannot be read (a cluster without Redis). */
  private async awayMessageOf(username: string): Promise<string | undefined> {
    try {
      const [profile] = await this.profiles.profilesOf([username]);
      return profile?.away;
    } catch {
      return undefined;
    }
  }

  /** What others see of a user of this node as the room last recorded it (from now, when it recorded nothing yet): a change starts from it. */
  private profileOf(session: Member): Profile {
    return session.profile ?? { since: this.clock.epochMs(), secure: session.secure };
  }

  /** Records what others see of a user of this node: on its session, and where every node sees it. */
  private describe(session: Member, profile: Profile): void {
    session.profile = profile;
    this.profiles.describe(session.username!, profile);
  }

  /** The member a handle stands for: one of this server's connections, or a TypeError. */
  private member(handle: SessionHandle): Member {
    const member = this.connections.get(handle.id);
    if (member === undefined) throw new TypeError(`connection ${handle.id} is not one of this server's`);
    return member;
  }

  private loggedIn(handle: SessionHandle): Member {
    const member = this.member(handle);
    if (member.username === null) throw new TypeError("only a logged-in session can be in a group");
    return member;
  }
}

import { inject, injectable } from "tsyringe";
import { PluginHooks, type MessageDecision } from "./hooks";
import type {
  ChatMessage,
  DisconnectEvent,
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
import { Outgoing, type PluginEventData } from "./events";
import { EventStamps } from "./event-ids";
import type { ClockPort } from "./ports/clock.port";
import type { Member } from "./member";
import type { Replay, ResumePoint } from "./resume-log";
import { Resumption } from "./resumption";
import type { DeliveryPort } from "./ports/delivery.port";
import type { ResumeRequest, SessionMovesPort } from "./ports/session-moves.port";
import type { LoggerPort } from "./ports/logger.port";
import type { MetricsPort } from "./ports/metrics.port";
import type { PresencePort } from "./ports/presence.port";
import type { Profile, ProfilesPort } from "./ports/profiles.port";
import { isValidUsername } from "./text";
import type { CoreSettings } from "./settings";
import { TOKENS } from "./tokens";

const NOT_FOUND: SendResult = Object.freeze({ status: "not-found" });
const GONE: SendResult = Object.freeze({ status: "gone" });
const DELIVERED = Promise.resolve(true);
/** How often, at most, a user's last message time is written to its profile: WHOIS's idle time is to the second. */
const SPOKE_NOTED_MS = 1000;

/**
 * The users who are logged in, as the domain sees them: claims names through
 * the presence port and reaches users and groups through the delivery port,
 * so that both can live elsewhere (another process, a cluster) without the
 * room or the plugins knowing.
 */
@injectable()
export class Room implements RoomApi {
  /** Users who left and are yet to be announced. */
  private departures: DisconnectEvent[] = [];
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
  ) {
    metrics.countRooms(() => delivery.groupsHere());
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

  async login(handle: SessionHandle, username: string): Promise<LoginResult> {
    const session = this.member(handle);
    if (session.username !== null) return "already-logged-in";
    if (!isValidUsername(username)) return "invalid-username";
    if (!(await this.presence.claim(username))) return "username-taken";
    if (!session.isOpen) {
      // The connection went away while the claim was in flight; the reply goes nowhere.
      this.presence.release(username);
      return "ok";
    }
    session.joined(username, this.hooks.hasLoginHooks);
    this.delivery.attach(username, session);
    const { secure, realname, ident } = session;
    this.describe(session, { since: this.clock.epochMs(), secure, ...(realname !== undefined && { realname }), ...(ident !== undefined && { ident }) });
    this.logger.info({ conn: session.id, user: username }, "login");
    this.metrics.userLoggedIn();
    this.delivery.announceLogin(this.stamps.event({ type: "login", user: username }), session);
    return "ok";
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
    const event = this.stamps.event({ type: "renamed", user: from, name: username });
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
    this.delivery.detach(session.username!, session);
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
    this.delivery.detach(username, recipient);
    this.presence.release(username, message);
    this.profiles.forget(username);
    this.metrics.userLeft();
    const departed = message === undefined ? { username, reason } : { username, reason, message };
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

  members(group: string): Promise<readonly string[]> {
    return this.delivery.members(group);
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
        if (profile !== null && profile !== undefined && session.isOpen && session.profile === undefined) this.describe(session, { ...profile, secure: session.secure });
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
    const { away: _, ...present } = session.profile ?? { since: this.clock.epochMs(), secure: session.secure };
    this.describe(session, message === null || message === "" ? present : { ...present, away: message });
  }

  profilesOf(usernames: readonly string[]): Promise<readonly (Profile | null)[]> {
    return this.profiles.profilesOf(usernames);
  }

  roomsOf(username: string): Promise<readonly string[]> {
    return this.delivery.groupNamesOf(username);
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

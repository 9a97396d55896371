import type { EventStamps } from "../../core/event-ids";
import { Outgoing, type ChatEvent, type Departed, type GroupModeChange } from "../../core/events";
import type { DeliveryPort, GroupInfo, GroupRoster, Membership, ModeResult, Recipient } from "../../core/ports/delivery.port";
import type { LoggerPort } from "../../core/ports/logger.port";
import { nameKey } from "../../core/text";
import type { InProcessDelivery } from "../in-process/in-process-delivery";
import { ANSWER, REQUEST, type ClusterMoves } from "./cluster-moves";
import type { ClusterPresence } from "./cluster-presence";
import { DEPARTURE, EVERYONE, GROUP, LOCAL_DEPARTURES, LOGIN, SIGN_OUT, type StreamConsumer, type StreamEntry, USER } from "./cluster-stream";
import type { ScriptedRedis } from "./scripts";

/** What delivery needs of the node: its Redis, for the groups and the names, and the bus. */
export interface DeliveryHost {
  readonly redis: ScriptedRedis;
  readonly prefix: string;
  /** This process's token: the origin of its bus entries. */
  readonly token: string;
  /** Runs a command for a client; a failure to reach Redis becomes UnavailableError. */
  call<T>(command: () => Promise<T>): Promise<T>;
  /** Appends an entry to the bus (throws UnavailableError when the node is not in the cluster). */
  send(kind: string, target: string, payload: string): void;
}

/**
 * Who gets an event, across nodes. Events for this node's users never leave
 * the process (`local`); those for other nodes go on the bus, as JSON,
 * after local delivery (so that this node's users have them either way),
 * and the other processes' entries read from it are delivered here. Groups
 * are kept in the registry (one script each to join, to leave and to change
 * modes), and on this node for its users; their operators and modes in the
 * registry only. While a session is on its way here, every event
 * going by is shown to the moves (see ClusterMoves).
 */
export class ClusterDelivery implements DeliveryPort, StreamConsumer {
  /** Departures read from the bus, to be told together. */
  private departing: Departed[] = [];

  constructor(
    private readonly host: DeliveryHost,
    private readonly local: InProcessDelivery,
    private readonly presence: ClusterPresence,
    private readonly moves: ClusterMoves,
    private readonly logger: LoggerPort,
    /** Departures read from the bus are told in batches, as events of this node's. */
    private readonly stamps: EventStamps,
  ) {}

  attach(username: string, recipient: Recipient): void {
    this.local.attach(username, recipient);
  }

  detach(username: string, recipient: Recipient): void {
    this.local.detach(username, recipient);
  }

  broadcast(event: Outgoing, except?: Recipient): void {
    this.local.broadcast(event, except);
    this.publish(EVERYONE, "", event);
  }

  announceLogin(event: Outgoing, except?: Recipient): void {
    this.local.announceLogin(event, except);
    this.publish(LOGIN, "", event);
  }

  /** This node's users now; the others when the names are released (see RELEASE). */
  announceDepartures(event: Outgoing): void {
    this.local.announceDepartures(event);
    if (this.moves.watching) this.moves.passed(null, this.host.token, LOCAL_DEPARTURES, "", event);
  }

  /** The other nodes have it from the registry's script (see RENAME); a session on its way here has it from here. */
  rename(from: string, to: string, recipient: Recipient, event: Outgoing): void {
    this.local.rename(from, to, recipient, event);
    if (this.moves.watching) this.moves.passed(null, this.host.token, EVERYONE, "", event);
  }

  async sendTo(username: string, event: Outgoing): Promise<boolean> {
    const here = this.local.recipient(username);
    if (here !== undefined) {
      here.deliver(event);
      // On its way to another node: it has the line from the bus if it moves (the copy here goes with the session left behind).
      if (this.moves.isLeaving(username)) this.publish(USER, username, event);
      return true;
    }
    const { host } = this;
    const holder = await host.call(() => host.redis.get(`${host.prefix}name:${nameKey(username)}`));
    if (holder === null) return false;
    // The user may have come here meanwhile (a session resumed here).
    const arrived = this.local.recipient(username);
    if (arrived !== undefined) arrived.deliver(event);
    else this.publish(USER, username, event);
    return true;
  }

  async joinGroup(group: string, username: string, recipient: Recipient): Promise<boolean> {
    const { host } = this;
    const joined = await host.call(() => host.redis.chatJoinGroup(host.prefix, nameKey(group), group, username));
    if (joined === 1) await this.local.joinGroup(group, username, recipient);
    return joined === 1;
  }

  async leaveGroup(group: string, username: string): Promise<boolean> {
    const { host } = this;
    // The registry first: if Redis is away, nothing has changed.
    const left = await host.call(() => host.redis.chatLeaveGroup(host.prefix, nameKey(group), username));
    await this.local.leaveGroup(group, username);
    return left === 1;
  }

  async changeMode(group: string, by: string, change: GroupModeChange): Promise<ModeResult> {
    const { host } = this;
    const user = change.mode === "operator" ? change.user : "";
    const [status, name] = await host.call(() => host.redis.chatChangeMode(host.prefix, nameKey(group), by, change.mode, change.on ? "1" : "0", user));
    if (status !== 1) return { status: status === 0 ? "unchanged" : status === -1 ? "not-operator" : "not-member" };
    return { status: "changed", change: change.mode === "operator" ? { ...change, user: name } : change };
  }

  isInGroup(group: string, username: string): boolean {
    return this.local.isInGroup(group, username);
  }

  groupsOf(username: string): number {
    return this.local.groupsOf(username);
  }

  groupNamesHere(username: string): readonly string[] {
    return this.local.groupNamesHere(username);
  }

  groupsHere(): number {
    return this.local.groupsHere();
  }

  hasGroupHere(group: string): boolean {
    return this.local.hasGroupHere(group);
  }

  sendToGroup(group: string, event: Outgoing, except?: Recipient): void {
    this.local.sendToGroup(group, event, except);
    this.publish(GROUP, nameKey(group), event);
  }

  /** One transaction: the members, the operators and the mode, as they were at one instant. */
  async roster(group: string): Promise<GroupRoster> {
    const { host } = this;
    const key = nameKey(group);
    const read = host.redis.multi().smembers(`${host.prefix}group:${key}`).smembers(`${host.prefix}group-ops:${key}`).sismember(`${host.prefix}secret-groups`, key);
    const [members, operators, secret] = resultsOf(await host.call(() => read.exec()));
    return { members: members as string[], operators: operators as string[], secret: secret === 1 };
  }

  /**
   * From the registry, for a user of any node: its `user-groups` set,
   * shown by `group-names`, with the groups' operators and modes. `username`
   * as the registry shows it (as WHO and WHOIS give it).
   */
  async membershipsOf(username: string): Promise<readonly Membership[]> {
    const { host } = this;
    const { prefix } = host;
    const keys = await host.call(() => host.redis.smembers(`${prefix}user-groups:${nameKey(username)}`));
    if (keys.length === 0) return [];
    // One round trip (SMISMEMBER would need Redis 6.2): the names, then each group's operator and secret flags.
    const read = host.redis.multi().hmget(`${prefix}group-names`, ...keys);
    for (const key of keys) read.sismember(`${prefix}group-ops:${key}`, username).sismember(`${prefix}secret-groups`, key);
    const [shown, ...flags] = resultsOf(await host.call(() => read.exec()));
    return keys.flatMap((_, i) => {
      const group = (shown as (string | null)[])[i];
      return group === null || group === undefined ? [] : [{ group, operator: flags[2 * i] === 1, secret: flags[2 * i + 1] === 1 }];
    });
  }

  async groups(): Promise<readonly GroupInfo[]> {
    const { host } = this;
    const [shown, secrets] = await host.call(() => Promise.all([host.redis.hgetall(`${host.prefix}group-names`), host.redis.smembers(`${host.prefix}secret-groups`)]));
    const keys = Object.keys(shown);
    const secret = new Set(secrets);
    const counts = await host.call(() => Promise.all(keys.map((key) => host.redis.scard(`${host.prefix}group:${key}`))));
    return keys
      .map((key, i) => ({ name: shown[key]!, members: counts[i]!, secret: secret.has(key) }))
      .filter(({ members }) => members > 0)
      .sort((a, b) => (nameKey(a.name) < nameKey(b.name) ? -1 : 1));
  }

  /**
   * Puts this node's users back in their groups in the registry, as the
   * node rejoins (Redis may have restarted empty): a group made again so is
   * run by its first member put back, as any new group is; what operators
   * and modes it had are not known here.
   */
  async restoreGroups(): Promise<void> {
    const { host } = this;
    for (const [group, name] of this.local.memberships()) {
      await host.redis.chatJoinGroup(host.prefix, nameKey(group), group, name);
    }
  }

  /** This node's sessions of the account end now; the other nodes' when they read it on the bus. */
  signOut(account: string): void {
    this.local.signOut(account);
    this.host.send(SIGN_OUT, nameKey(account), "");
  }

  onSignOut(listener: (account: string) => void): void {
    this.local.onSignOut(listener);
  }

  /**
   * One entry of another process (StreamConsumer); returns the bytes
   * delivered. Departures come from the registry's scripts, with a name,
   * the user's words on leaving, and its groups.
   */
  take(entry: StreamEntry): number {
    const { kind, target, payload } = entry;
    if (kind === REQUEST || kind === ANSWER) {
      // The departures read before it are told first: they are part of what
      // a session given up here had, and not of what one moving here missed.
      this.flush();
      if (target === this.host.token) this.moves.take(entry);
      return 0;
    }
    if (kind === SIGN_OUT) {
      this.local.signOut(target);
      return 0;
    }
    if (kind === DEPARTURE) {
      if (this.moves.watching) this.moves.passed(entry.id, entry.origin, kind, target, null);
      // A departure of a name a user here holds is old news (a reap while this
      // node was away, before it took the name back): nobody left.
      if (!this.presence.holds(target)) {
        const message = payload.toString("utf8");
        // The groups it was in, from the script that freed the name: its room-mates outside everyone are told too.
        const rooms = entry.groups === undefined || entry.groups.length === 0 ? [] : (JSON.parse(entry.groups.toString("utf8")) as string[]);
        this.departing.push(message === "" ? { username: target, reason: "left", rooms } : { username: target, reason: "left", message, rooms });
      }
      return 0;
    }
    this.flush();
    let event: Outgoing;
    try {
      event = new Outgoing(JSON.parse(payload.toString("utf8")) as ChatEvent);
    } catch (error) {
      this.logger.warn({ err: error, kind }, "an event from another node could not be read");
      return 0;
    }
    if (this.moves.watching) this.moves.passed(entry.id, entry.origin, kind, target, event);
    if (kind === EVERYONE) this.local.broadcast(event);
    else if (kind === LOGIN) this.local.announceLogin(event);
    else if (kind === GROUP) this.local.sendToGroup(target, event);
    else if (kind === USER) void this.local.sendTo(target, event);
    return payload.byteLength;
  }

  /** Tells this node's users of the departures read since the last event. */
  flush(): void {
    if (this.departing.length === 0) return;
    const users = this.departing;
    this.departing = [];
    this.local.announceDepartures(this.stamps.event({ type: "departure", users }));
  }

  /** Appends an event for other nodes, as JSON. */
  private publish(kind: string, target: string, event: Outgoing): void {
    if (this.moves.watching) this.moves.passed(null, this.host.token, kind, target, event);
    this.host.send(kind, target, JSON.stringify(event.event));
  }
}

/** The results of a transaction's commands (ioredis gives each with its error: the first one is thrown). */
function resultsOf(replies: [Error | null, unknown][] | null): unknown[] {
  if (replies === null) throw new Error("a transaction was aborted");
  return replies.map(([error, result]) => {
    if (error !== null) throw error;
    return result;
  });
}

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import Redis from "ioredis";
import { UnavailableError } from "../../core/errors";
import { sleep, type ClockPort, type Timer } from "../../core/ports/clock.port";
import type { GroupInfo, Recipient } from "../../core/ports/delivery.port";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { MetricsPort } from "../../core/ports/metrics.port";
import type { PresencePort } from "../../core/ports/presence.port";
import type { MovingDelivery } from "../../core/ports/session-moves.port";
import { Outgoing, type ChatEvent, type Departed } from "../../core/events";
import { nameKey } from "../../core/text";
import { InProcessDelivery } from "../in-process/in-process-delivery";
import { ANSWER, ClusterMoves, REQUEST } from "./cluster-moves";
import { ClusterPresence, UNREACHABLE } from "./cluster-presence";
import { ClusterStream, DEPARTURE, EVERYONE, GROUP, LOCAL_DEPARTURES, LOGIN, READ_BLOCK_MS, USER, type StreamConsumer, type StreamEntry } from "./cluster-stream";
import { NodeIdTakenError, NodeLease } from "./node-lease";
import { RedisLists } from "./redis-lists";
import { isRedisUrl, loggableError, redactUrl, secretScrubber } from "./redis-url";
import { withScripts, type ScriptedRedis } from "./scripts";

export interface RedisClusterOptions {
  /** redis://[user:password@]host:port[/db] */
  readonly url: string;
  /**
   * Bytes of other nodes' lines delivered in one event-loop turn before the
   * reader lets the turn's output be written (the core's turn output limit).
   */
  readonly turnBytes?: number;
  /** A node that stops beating for this long is taken out, its users announced as gone. */
  readonly leaseMs: number;
  /** Unique among the live nodes (claimed in Redis); host, process and a random part by default. */
  readonly nodeId?: string;
  /** Prefix of every key, so that several chats can share one Redis. */
  readonly prefix?: string;
  /** Entries kept in the stream for nodes that fall behind or reconnect. */
  readonly streamLength?: number;
  /** The node's time: its heartbeat, its lease by its own clock, its waits and retries. */
  readonly clock: ClockPort;
}

/**
 * Where this node stands: starting; in the cluster; out of it (Redis lost,
 * or its lease lapsed) and rejoining; displaced for good (another process
 * holds its id); stopped.
 */
type State = "new" | "joining" | "in" | "out" | "displaced" | "stopped";

const CONNECT_TIMEOUT_MS = 5000;
const COMMAND_TIMEOUT_MS = 2000;
const REJOIN_RETRY_MS = 1000;

const DEFAULT_TURN_BYTES = 64 * 1024;

/**
 * One chat across many server processes, through one Redis: presence (who
 * is online, names unique across nodes) and delivery (who gets a line).
 * This class is where the node stands in the cluster, and routes; the jobs
 * are done by its parts:
 *
 * - ClusterPresence: names, claimed by a script, atomically: of two nodes
 *   claiming one name at the same instant exactly one wins. Freeing a name
 *   and announcing the departure are one script too.
 * - ClusterStream: lines for other nodes go through one Redis stream that
 *   every node reads: messages to everyone, to groups, to one user, and
 *   departures, each sender's in the order sent, once.
 * - ClusterMoves: a resumable session moves to the node its client resumed on.
 * - NodeLease: each node holds a claim on its id, its lease; one that stops
 *   renewing (killed, paused, cut off) is taken out by the others after the
 *   lease: its names are freed and its users announced as gone, by exactly
 *   one of them. A node that has not renewed for a whole lease stops acting
 *   for the cluster (its users get ERR cluster-unavailable) until it has
 *   rejoined; one whose id another process took meanwhile stops for good.
 * - Lines for this node's own users never leave the process.
 */
export class RedisCluster implements PresencePort, MovingDelivery, StreamConsumer {
  readonly nodeId: string;
  readonly prefix: string;
  readonly maxlen: string;
  readonly local = new InProcessDelivery();
  readonly redis: ScriptedRedis;
  readonly presence: ClusterPresence;
  readonly moves: ClusterMoves;
  /** Plugins' lists (the history), shared by the nodes. */
  readonly lists: RedisLists;
  readonly clock: ClockPort;
  private readonly reader: Redis;
  private readonly lease: NodeLease;
  private readonly stream: ClusterStream;
  /** Takes the URL's password out of any text printed. */
  private readonly scrub: (text: string) => string;
  private state: State = "new";
  private rejoining = false;
  private lastConnectionError: unknown = null;
  /** The next heartbeat, from joining until stopped. */
  private heartbeat: Timer | null = null;
  /** Departures read from the stream, to be told together. */
  private departing: Departed[] = [];

  constructor(
    private readonly options: RedisClusterOptions,
    private readonly logger: LoggerPort,
    private readonly metrics: MetricsPort,
  ) {
    if (!isRedisUrl(options.url)) throw new Error(`not a Redis URL (redis://[user:password@]host[:port][/db]): ${redactUrl(options.url)}`);
    this.nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    this.prefix = options.prefix ?? "chat:";
    this.maxlen = String(options.streamLength ?? 100_000);
    this.scrub = secretScrubber(options.url);
    this.clock = options.clock;
    // No offline queue and no resending after a reconnection: while Redis is
    // away a command fails at once and the client is told, rather than the
    // command waiting unseen or running twice. A command without a reply in
    // time fails too (a hung Redis, a network that drops packets).
    const settings = {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      keepAlive: 10_000,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
    };
    this.redis = withScripts(new Redis(options.url, { ...settings, commandTimeout: COMMAND_TIMEOUT_MS }));
    this.reader = new Redis(options.url, { ...settings, commandTimeout: READ_BLOCK_MS + COMMAND_TIMEOUT_MS });
    // Connection errors come again at every reconnection attempt; the loss
    // itself is logged once (lost()), the details at debug level.
    for (const connection of [this.redis, this.reader]) {
      connection.on("error", (error: Error) => {
        this.lastConnectionError = error;
        this.logger.debug({ err: this.loggable(error) }, "redis connection error");
      });
    }
    this.lease = new NodeLease(
      this.redis,
      { prefix: this.prefix, nodeId: this.nodeId, leaseMs: options.leaseMs, maxlen: this.maxlen, clock: this.clock },
      logger,
    );
    const turnBytes = options.turnBytes ?? DEFAULT_TURN_BYTES;
    this.stream = new ClusterStream(
      this.redis,
      this.reader,
      { key: this.key("bus"), maxlen: this.maxlen, turnBytes, origin: this.token, clock: this.clock },
      logger,
      (error) => this.loggable(error),
    );
    this.presence = new ClusterPresence(this);
    this.moves = new ClusterMoves(this, logger);
    this.lists = new RedisLists(this, logger);
  }

  /** This process's token: its claim on the node's id, and the origin of its bus entries. */
  get token(): string {
    return this.lease.token;
  }

  get leaseMs(): number {
    return this.options.leaseMs;
  }

  get stopped(): boolean {
    return this.state === "stopped";
  }

  /** The Redis URL as it may be printed: without its password. */
  private get redisUrl(): string {
    return redactUrl(this.options.url);
  }

  /** Whether another process took this node's id while it ran: it no longer acts for the cluster. */
  get displaced(): boolean {
    return this.state === "displaced";
  }

  /**
   * Joins the cluster; rejects when Redis cannot be reached, or when a live
   * process holds this node's id (after waiting, at most a lease, for the
   * claim of a run of this node that died to run out).
   */
  async start(): Promise<void> {
    this.state = "joining";
    const timeout = this.clock.schedule(CONNECT_TIMEOUT_MS, () => {
      this.redis.disconnect();
      this.reader.disconnect();
    });
    try {
      await Promise.all([this.redis.connect(), this.reader.connect()]);
    } catch (error) {
      this.abandonStart();
      // The connection's own error says more than "Connection is closed".
      throw new Error(`cannot reach Redis at ${this.redisUrl}: ${this.loggable(this.lastConnectionError ?? error).message}`);
    } finally {
      timeout.cancel();
    }
    try {
      await this.lease.claim(() => this.state !== "joining");
      // A previous run under this id (it died, its lease ran out, nobody
      // took it out yet) left its users behind: they are gone, and announced.
      const leftover = await this.lease.clearPreviousRun();
      if (leftover.length > 0) this.logger.warn({ node: this.nodeId, users: leftover.length }, "cleared what a previous run of this node left");
      await this.stream.start();
    } catch (error) {
      this.abandonStart();
      if (error instanceof NodeIdTakenError) throw error;
      throw new Error(`cannot join the cluster through Redis at ${this.redisUrl}: ${this.loggable(error).message}`);
    }
    this.markConnected();
    this.redis.on("close", () => this.lost("the connection to Redis closed"));
    this.redis.on("ready", () => void this.rejoin());
    void this.stream.read(() => this.reading(), this);
    this.beatEvery(Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.logger.info({ node: this.nodeId, redis: this.redisUrl }, "joined the cluster");
  }

  /** Leaves the cluster: the node's own entries go; its users have left already. */
  async stop(): Promise<void> {
    if (this.state === "new" || this.state === "stopped") return;
    const wasIn = this.state === "in";
    this.state = "stopped";
    this.heartbeat?.cancel();
    if (wasIn) {
      await this.presence.releaseAll();
      await this.lease.leave().catch(() => undefined);
    }
    this.reader.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  // PresencePort (see ClusterPresence)

  claim(username: string): Promise<boolean> {
    return this.presence.claim(username);
  }

  release(username: string): void {
    this.presence.release(username);
  }

  list(): Promise<readonly string[]> {
    return this.presence.list();
  }

  find(usernames: readonly string[]): Promise<readonly string[]> {
    return this.presence.find(usernames);
  }

  // DeliveryPort

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
    if (this.moves.watching) this.moves.passed(null, this.token, LOCAL_DEPARTURES, "", event);
  }

  async sendTo(username: string, event: Outgoing): Promise<boolean> {
    const here = this.local.recipient(username);
    if (here !== undefined) {
      here.deliver(event);
      // On its way to another node: it has the line from the bus if it moves (the copy here goes with the session left behind).
      if (this.moves.isLeaving(username)) this.publish(USER, username, event);
      return true;
    }
    const holder = await this.call(() => this.redis.get(this.key(`name:${nameKey(username)}`)));
    if (holder === null) return false;
    // The user may have come here meanwhile (a session resumed here).
    const arrived = this.local.recipient(username);
    if (arrived !== undefined) arrived.deliver(event);
    else this.publish(USER, username, event);
    return true;
  }

  async joinGroup(group: string, username: string, recipient: Recipient): Promise<boolean> {
    const joined = await this.call(() => this.redis.chatJoinGroup(this.prefix, nameKey(group), group, username));
    if (joined === 1) await this.local.joinGroup(group, username, recipient);
    return joined === 1;
  }

  async leaveGroup(group: string, username: string): Promise<boolean> {
    // The registry first: if Redis is away, nothing has changed.
    const left = await this.call(() => this.redis.chatLeaveGroup(this.prefix, nameKey(group), username));
    await this.local.leaveGroup(group, username);
    return left === 1;
  }

  isInGroup(group: string, username: string): boolean {
    return this.local.isInGroup(group, username);
  }

  groupsOf(username: string): number {
    return this.local.groupsOf(username);
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

  members(group: string): Promise<readonly string[]> {
    return this.call(() => this.redis.smembers(this.key(`group:${nameKey(group)}`)));
  }

  async groups(): Promise<readonly GroupInfo[]> {
    const shown = await this.call(() => this.redis.hgetall(this.key("group-names")));
    const keys = Object.keys(shown);
    const counts = await this.call(() => Promise.all(keys.map((key) => this.redis.scard(this.key(`group:${key}`)))));
    return keys
      .map((key, i) => ({ name: shown[key]!, members: counts[i]! }))
      .filter(({ members }) => members > 0)
      .sort((a, b) => (nameKey(a.name) < nameKey(b.name) ? -1 : 1));
  }

  // Inside

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** An ioredis error as it may be logged: no command arguments, no password. */
  loggable(error: unknown): { message: string; code?: string } {
    return loggableError(error, this.scrub);
  }

  /**
   * Whether this node may act for the cluster now: it is in, and its lease
   * has not run out by its own clock. A node that was paused past its lease
   * finds out here, before it sends anything: the others may have taken it
   * out, or another process may hold its id now.
   */
  acting(): boolean {
    if (this.state !== "in") return false;
    if (this.lease.current) return true;
    this.lost("its lease ran out before it was renewed (was the process paused?)");
    return false;
  }

  /** Runs a Redis command for a client; a failure to reach Redis becomes UnavailableError. */
  async call<T>(command: () => Promise<T>): Promise<T> {
    if (!this.acting()) throw new UnavailableError(UNREACHABLE);
    try {
      return await command();
    } catch (error) {
      throw new UnavailableError(`${UNREACHABLE} (${this.loggable(error).message})`);
    }
  }

  /** Appends an event for other nodes (after local delivery, so that this node's users have it either way), as JSON. */
  private publish(kind: string, target: string, event: Outgoing): void {
    if (this.moves.watching) this.moves.passed(null, this.token, kind, target, event);
    this.send(kind, target, JSON.stringify(event.event));
  }

  /** Appends an entry to the bus; throws UnavailableError when this node is not in the cluster. */
  send(kind: string, target: string, payload: string): void {
    if (!this.acting()) throw new UnavailableError(UNREACHABLE);
    this.stream.publish(kind, target, payload);
  }

  /** A start that failed: nothing is left trying to reach Redis. */
  private abandonStart(): void {
    this.state = "stopped";
    this.redis.disconnect();
    this.reader.disconnect();
  }

  /** Beats every `ms` until stopped, whether the last beat is done or not (one may wait for Redis longer than that). */
  private beatEvery(ms: number): void {
    this.heartbeat = this.clock.schedule(ms, () => {
      this.beatEvery(ms);
      void this.beat();
    });
  }

  /** Every third of the lease: renew it, and take out the nodes whose lease ran out. */
  private async beat(): Promise<void> {
    if (this.state !== "in") return;
    try {
      const renewal = await this.lease.renew();
      if (renewal === "taken") return this.displace();
      if (renewal === "lapsed") return this.lost("its lease ran out before it was renewed: the others may have taken it out");
      await this.presence.releaseWaiting();
      await this.lease.reapDeadNodes();
    } catch {
      // Past a whole lease without renewing, the others may have taken this
      // node out: it must not go on acting for the cluster.
      if (!this.lease.current) this.lost("could not renew the lease for a whole lease");
    }
  }

  private reading(): boolean {
    return this.state === "in" || this.state === "out";
  }

  /**
   * One entry of another process (StreamConsumer); returns the bytes
   * delivered. Departures come from the registry's scripts, with a name only.
   */
  take(entry: StreamEntry): number {
    const { kind, target, payload } = entry;
    if (kind === REQUEST || kind === ANSWER) {
      // The departures read before it are told first: they are part of what
      // a session given up here had, and not of what one moving here missed.
      this.flush();
      if (target === this.token) this.moves.take(entry);
      return 0;
    }
    if (kind === DEPARTURE) {
      if (this.moves.watching) this.moves.passed(entry.id, entry.origin, kind, target, null);
      // A departure of a name a user here holds is old news (a reap while this
      // node was away, before it took the name back): nobody left.
      if (!this.presence.holds(target)) this.departing.push({ username: target, reason: "left" });
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
    this.local.announceDepartures(new Outgoing({ type: "departure", users }));
  }

  private markConnected(): void {
    this.state = "in";
    this.metrics.clusterConnected(true);
  }

  lost(why: string): void {
    if (this.state !== "in") return;
    this.state = "out";
    this.metrics.clusterConnected(false);
    this.logger.warn({ node: this.nodeId, why }, "lost the cluster (Redis): serving this node's users alone");
    void this.rejoin();
  }

  /**
   * Another process holds this node's id: this one was paused or cut off
   * past its lease, and a process started under the same id meanwhile. It
   * stops acting for the cluster for good, rather than fight over the id:
   * no more Redis, its users are served alone.
   */
  private displace(): void {
    if (this.state === "displaced" || this.state === "stopped") return;
    this.state = "displaced";
    this.metrics.clusterConnected(false);
    this.logger.error(
      { node: this.nodeId, redis: this.redisUrl },
      "another process holds this node's id in Redis (this one was paused or cut off past its lease): it no longer acts for the cluster and serves its users alone; restart it",
    );
    this.reader.disconnect();
    this.redis.disconnect();
  }

  /**
   * Back in the cluster, retried until it works: claim the id again, put this
   * node's users (and their groups) back in the registry, keeping their
   * login order (the others may have taken them out, or Redis may have
   * restarted empty), and free the names of those who left meanwhile (which
   * announces them, unless a reap did already).
   */
  private async rejoin(): Promise<void> {
    if (this.state !== "out" || this.rejoining) return;
    this.rejoining = true;
    try {
      while (this.state === "out") {
        if (this.redis.status === "ready") {
          try {
            await this.rejoinOnce();
            return;
          } catch (error) {
            this.logger.warn({ err: this.loggable(error) }, "could not rejoin the cluster yet");
          }
        }
        await sleep(this.clock, REJOIN_RETRY_MS);
      }
    } finally {
      this.rejoining = false;
    }
  }

  private async rejoinOnce(): Promise<void> {
    await this.stream.resume();
    if (!(await this.lease.rejoin())) return this.displace();
    // Another node took a name while this one was away: its user here goes.
    await this.presence.reclaim((name) => this.local.recipient(name)?.evict());
    for (const [group, name] of this.local.memberships()) {
      await this.redis.chatJoinGroup(this.prefix, nameKey(group), group, name);
    }
    await this.presence.releaseWaiting();
    if (this.state !== "out") return;
    this.markConnected();
    this.logger.info({ node: this.nodeId, users: this.presence.size }, "back in the cluster");
  }
}

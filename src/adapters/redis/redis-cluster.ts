import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import Redis from "ioredis";
import { UnavailableError } from "../../core/errors";
import type { DeliveryPort, GroupInfo, Recipient } from "../../core/ports/delivery.port";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { MetricsPort } from "../../core/ports/metrics.port";
import type { PresencePort } from "../../core/ports/presence.port";
import { Outgoing, type ChatEvent, type Departed } from "../../core/events";
import { nameKey } from "../../core/protocol/text";
import { InProcessDelivery } from "../in-process/in-process-delivery";
import { NodeIdTakenError, NodeLease } from "./node-lease";
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
}

/**
 * Where this node stands: starting; in the cluster; out of it (Redis lost,
 * or its lease lapsed) and rejoining; displaced for good (another process
 * holds its id); stopped.
 */
type State = "new" | "joining" | "in" | "out" | "displaced" | "stopped";

/** Kinds of stream entries: an event for everyone, for a group, for one user; a login; a departure (written by the scripts). */
const EVERYONE = "B";
const GROUP = "G";
const USER = "U";
const DEPARTURE = "D";
const LOGIN = "L";

const CONNECT_TIMEOUT_MS = 5000;
const COMMAND_TIMEOUT_MS = 2000;
const READ_BLOCK_MS = 1000;
const REJOIN_RETRY_MS = 1000;
/** Lines sent to Redis and not yet acknowledged, past which a sender is told the cluster is not keeping up. */
const MAX_IN_FLIGHT = 10_000;
/** What the registry scripts answer to a process that does not hold its node's claim. */
const NOT_HOLDING_CLAIM = -1;
const UNREACHABLE = "the cluster (Redis) cannot be reached; delivered to this node's users only";

const DEFAULT_TURN_BYTES = 64 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One chat across many server processes, through one Redis: presence (who
 * is online, names unique across nodes) and delivery (who gets a line).
 *
 * - Names are claimed by a script, atomically: of two nodes claiming one
 *   name at the same instant exactly one wins. Freeing a name and
 *   announcing the departure are one script too.
 * - Lines for other nodes go through one Redis stream that every node
 *   reads: messages to everyone, to groups, to one user, and departures. A
 *   stream keeps one order, so each sender's lines (and its departure)
 *   arrive in the order sent, once; and it keeps recent entries, so a node
 *   that lost Redis for a while reads on from where it stopped. Each entry
 *   names the process that wrote it, which skips it.
 * - Each node holds a claim on its id, its lease (NodeLease); one that stops
 *   renewing (killed, paused, cut off) is taken out by the others after the
 *   lease: its names are freed and its users announced as gone, by exactly
 *   one of them. A node that has not renewed for a whole lease stops acting
 *   for the cluster (its users get ERR cluster-unavailable) until it has
 *   rejoined; one whose id another process took meanwhile stops for good.
 * - Lines for this node's own users never leave the process.
 */
export class RedisCluster implements PresencePort, DeliveryPort {
  readonly nodeId: string;
  private readonly prefix: string;
  private readonly maxlen: string;
  private readonly local = new InProcessDelivery();
  /** Names logged in at this node, by key, with their login sequence. */
  private readonly names = new Map<string, { readonly name: string; seq: number }>();
  private readonly redis: ScriptedRedis;
  private readonly reader: Redis;
  private readonly lease: NodeLease;
  /** Takes the URL's password out of any text printed. */
  private readonly scrub: (text: string) => string;
  private state: State = "new";
  private rejoining = false;
  private lastId = "0";
  private serverRunId = "";
  private inFlight = 0;
  private lastConnectionError: unknown = null;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Names to free once Redis is back: users who left meanwhile, and claims whose outcome was not heard. */
  private readonly waitingReleases = new Set<string>();
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
    this.lease = new NodeLease(this.redis, { prefix: this.prefix, nodeId: this.nodeId, leaseMs: options.leaseMs, maxlen: this.maxlen }, logger);
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
    const timeout = setTimeout(() => {
      this.redis.disconnect();
      this.reader.disconnect();
    }, CONNECT_TIMEOUT_MS);
    try {
      await Promise.all([this.redis.connect(), this.reader.connect()]);
    } catch (error) {
      this.abandonStart();
      // The connection's own error says more than "Connection is closed".
      throw new Error(`cannot reach Redis at ${this.redisUrl}: ${this.loggable(this.lastConnectionError ?? error).message}`);
    } finally {
      clearTimeout(timeout);
    }
    try {
      await this.lease.claim(() => this.state !== "joining");
      // A previous run under this id (it died, its lease ran out, nobody
      // took it out yet) left its users behind: they are gone, and announced.
      const leftover = await this.lease.clearPreviousRun();
      if (leftover.length > 0) this.logger.warn({ node: this.nodeId, users: leftover.length }, "cleared what a previous run of this node left");
      // Read from now on: what was said before this node joined is not for it.
      this.serverRunId = await this.runId();
      this.lastId = await this.newestId();
    } catch (error) {
      this.abandonStart();
      if (error instanceof NodeIdTakenError) throw error;
      throw new Error(`cannot join the cluster through Redis at ${this.redisUrl}: ${this.loggable(error).message}`);
    }
    this.markConnected();
    this.redis.on("close", () => this.lost("the connection to Redis closed"));
    this.redis.on("ready", () => void this.rejoin());
    void this.read();
    const beat = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.timers.push(setInterval(() => void this.beat(), beat).unref());
    this.logger.info({ node: this.nodeId, redis: this.redisUrl }, "joined the cluster");
  }

  /** Leaves the cluster: the node's own entries go; its users have left already. */
  async stop(): Promise<void> {
    if (this.state === "new" || this.state === "stopped") return;
    const wasIn = this.state === "in";
    this.state = "stopped";
    for (const timer of this.timers) clearInterval(timer);
    if (wasIn) {
      await Promise.allSettled([...this.names.values()].map(({ name }) => this.redis.chatRelease(this.prefix, this.nodeId, this.lease.token, name, this.maxlen)));
      await this.lease.leave().catch(() => undefined);
    }
    this.reader.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  // PresencePort

  async claim(username: string): Promise<boolean> {
    let seq: number;
    try {
      seq = await this.call(() => this.redis.chatClaim(this.prefix, this.nodeId, this.lease.token, username, "login", 0));
    } catch (error) {
      // The claim may have happened without its reply reaching us: free it
      // later, unless a user here holds the name by then.
      if (this.state !== "stopped") this.waitingReleases.add(username);
      throw error;
    }
    if (seq === NOT_HOLDING_CLAIM) {
      this.lost("this node's claim on its id lapsed");
      throw new UnavailableError(UNREACHABLE);
    }
    if (seq === 0) return false;
    if (this.state === "stopped") {
      this.waitingReleases.add(username);
      return false;
    }
    this.names.set(nameKey(username), { name: username, seq });
    return true;
  }

  release(username: string): void {
    this.names.delete(nameKey(username));
    if (!this.acting()) {
      this.waitingReleases.add(username);
      return;
    }
    this.redis.chatRelease(this.prefix, this.nodeId, this.lease.token, username, this.maxlen).then(
      (released) => {
        if (released !== NOT_HOLDING_CLAIM) return;
        this.waitingReleases.add(username);
        this.lost("this node's claim on its id lapsed");
      },
      () => this.waitingReleases.add(username),
    );
  }

  list(): Promise<readonly string[]> {
    return this.call(() => this.redis.zrange(this.key("logins"), 0, -1));
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
  }

  async sendTo(username: string, event: Outgoing): Promise<boolean> {
    const here = this.local.recipient(username);
    if (here !== undefined) {
      here.deliver(event);
      return true;
    }
    const holder = await this.call(() => this.redis.get(this.key(`name:${nameKey(username)}`)));
    if (holder === null) return false;
    this.publish(USER, username, event);
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
  private loggable(error: unknown): { message: string; code?: string } {
    return loggableError(error, this.scrub);
  }

  /**
   * Whether this node may act for the cluster now: it is in, and its lease
   * has not run out by its own clock. A node that was paused past its lease
   * finds out here, before it sends anything: the others may have taken it
   * out, or another process may hold its id now.
   */
  private acting(): boolean {
    if (this.state !== "in") return false;
    if (this.lease.current) return true;
    this.lost("its lease ran out before it was renewed (was the process paused?)");
    return false;
  }

  /** Runs a Redis command for a client; a failure to reach Redis becomes UnavailableError. */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    if (!this.acting()) throw new UnavailableError(UNREACHABLE);
    try {
      return await command();
    } catch (error) {
      throw new UnavailableError(`${UNREACHABLE} (${this.loggable(error).message})`);
    }
  }

  /** Appends a line for other nodes, after local delivery, so that this node's users have it either way. */
  /** Appends an event for other nodes (after local delivery, so that this node's users have it either way), as JSON. */
  private publish(kind: string, target: string, event: Outgoing): void {
    if (!this.acting()) throw new UnavailableError(UNREACHABLE);
    if (this.inFlight >= MAX_IN_FLIGHT) throw new UnavailableError("the cluster (Redis) is not keeping up; delivered to this node's users only");
    this.inFlight++;
    this.redis
      .xadd(this.key("bus"), "MAXLEN", "~", this.maxlen, "*", "o", this.lease.token, "k", kind, "t", target, "l", JSON.stringify(event.event))
      .catch((error: unknown) => this.logger.warn({ err: this.loggable(error) }, "an event for other nodes may be lost"))
      .finally(() => this.inFlight--);
  }

  private async newestId(): Promise<string> {
    const [last] = await this.redis.xrevrange(this.key("bus"), "+", "-", "COUNT", 1);
    return last?.[0] ?? "0";
  }

  /** Which Redis this is: a different one (restarted, failed over) starts its stream afresh. */
  private async runId(): Promise<string> {
    return /run_id:(\w+)/.exec(await this.redis.info("server"))?.[1] ?? "";
  }

  /** A start that failed: nothing is left trying to reach Redis. */
  private abandonStart(): void {
    this.state = "stopped";
    this.redis.disconnect();
    this.reader.disconnect();
  }

  /** Every third of the lease: renew it, and take out the nodes whose lease ran out. */
  private async beat(): Promise<void> {
    if (this.state !== "in") return;
    try {
      const renewal = await this.lease.renew();
      if (renewal === "taken") return this.displace();
      if (renewal === "lapsed") return this.lost("its lease ran out before it was renewed: the others may have taken it out");
      await this.releaseWaiting();
      await this.lease.reapDeadNodes();
    } catch {
      // Past a whole lease without renewing, the others may have taken this
      // node out: it must not go on acting for the cluster.
      if (!this.lease.current) this.lost("could not renew the lease for a whole lease");
    }
  }

  /** Frees the names waiting for it, but for any a user here holds by now. */
  private async releaseWaiting(): Promise<void> {
    for (const name of [...this.waitingReleases]) {
      if (!this.names.has(nameKey(name))) {
        const released = await this.redis.chatRelease(this.prefix, this.nodeId, this.lease.token, name, this.maxlen);
        if (released === NOT_HOLDING_CLAIM) throw new Error("this node's claim on its id lapsed");
      }
      this.waitingReleases.delete(name);
    }
  }

  /**
   * Reads the other nodes' lines, from where it stopped, while in the
   * cluster or trying to get back. What a batch delivers is spread over
   * event-loop turns, `turnBytes` at a time, so that this node's readers are
   * not handed a whole batch (a burst elsewhere) at once; departures in a
   * row are told together, as the room does for its own.
   */
  private async read(): Promise<void> {
    const stream = this.key("bus");
    while (this.reading()) {
      try {
        const result = await this.reader.xreadBuffer("COUNT", 1000, "BLOCK", READ_BLOCK_MS, "STREAMS", stream, this.lastId);
        if (!this.reading()) return;
        for (const [, entries] of result ?? []) {
          let delivered = 0;
          for (const [id, fields] of entries) {
            this.lastId = id.toString();
            delivered += this.take(fields);
            if (delivered >= (this.options.turnBytes ?? DEFAULT_TURN_BYTES)) {
              this.tellDepartures();
              await nextTurn();
              if (!this.reading()) return;
              delivered = 0;
            }
          }
          this.tellDepartures();
        }
      } catch {
        if (this.reading()) await sleep(200);
      }
    }
  }

  private reading(): boolean {
    return this.state === "in" || this.state === "out";
  }

  /**
   * One entry: origin process, kind, target, event (in that order, as
   * written); returns the bytes taken. Departures come from the registry's
   * scripts, with a name only.
   */
  private take(fields: Buffer[]): number {
    const origin = fields[1]!.toString();
    if (origin === this.lease.token) return 0; // this node's own users had it when it was sent
    const kind = fields[3]!.toString();
    const target = fields[5]!.toString();
    if (kind === DEPARTURE) {
      // A departure of a name a user here holds is old news (a reap while this
      // node was away, before it took the name back): nobody left.
      if (!this.names.has(nameKey(target))) this.departing.push({ username: target, reason: "left" });
      return 0;
    }
    this.tellDepartures();
    const json = fields[7]!;
    let event: Outgoing;
    try {
      event = new Outgoing(JSON.parse(json.toString("utf8")) as ChatEvent);
    } catch (error) {
      this.logger.warn({ err: error, kind }, "an event from another node could not be read");
      return 0;
    }
    if (kind === EVERYONE) this.local.broadcast(event);
    else if (kind === LOGIN) this.local.announceLogin(event);
    else if (kind === GROUP) this.local.sendToGroup(target, event);
    else if (kind === USER) void this.local.sendTo(target, event);
    return json.byteLength;
  }

  /** Tells this node's users of the departures read since the last event. */
  private tellDepartures(): void {
    if (this.departing.length === 0) return;
    const users = this.departing;
    this.departing = [];
    this.local.announceDepartures(new Outgoing({ type: "departure", users }));
  }

  private markConnected(): void {
    this.state = "in";
    this.metrics.clusterConnected(true);
  }

  private lost(why: string): void {
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
        await sleep(REJOIN_RETRY_MS);
      }
    } finally {
      this.rejoining = false;
    }
  }

  private async rejoinOnce(): Promise<void> {
    const runId = await this.runId();
    if (runId !== this.serverRunId) {
      // Another Redis (restarted empty, or failed over): its stream is new.
      this.serverRunId = runId;
      this.lastId = "0";
    }
    if (!(await this.lease.rejoin())) return this.displace();
    for (const [key, entry] of this.names) {
      const seq = await this.redis.chatClaim(this.prefix, this.nodeId, this.lease.token, entry.name, "reclaim", entry.seq);
      if (seq === NOT_HOLDING_CLAIM) throw new Error("this node's claim on its id lapsed");
      if (seq > 0) {
        entry.seq = seq;
        continue;
      }
      // Another node took the name while this one was away: its user here goes.
      this.names.delete(key);
      this.local.recipient(entry.name)?.evict("ERR username-taken");
    }
    for (const [group, name] of this.local.memberships()) {
      await this.redis.chatJoinGroup(this.prefix, nameKey(group), group, name);
    }
    await this.releaseWaiting();
    if (this.state !== "out") return;
    this.markConnected();
    this.logger.info({ node: this.nodeId, users: this.names.size }, "back in the cluster");
  }
}

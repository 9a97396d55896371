import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import Redis from "ioredis";
import { UnavailableError } from "../../core/errors";
import type { DeliveryPort, GroupInfo, Recipient } from "../../core/ports/delivery.port";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { MetricsPort } from "../../core/ports/metrics.port";
import type { PresencePort } from "../../core/ports/presence.port";
import { nameKey } from "../../core/protocol/text";
import { InProcessDelivery } from "../in-process/in-process-delivery";
import { CLAIM, JOIN_GROUP, LEAVE_GROUP, REAP, RELEASE, RENEW } from "./scripts";

export interface RedisClusterOptions {
  /** redis://[user:password@]host:port[/db] */
  readonly url: string;
  /** A node that stops beating for this long is taken out, its users announced as gone. */
  readonly leaseMs: number;
  /** Unique among the nodes; host, process and a random part by default. */
  readonly nodeId?: string;
  /** Prefix of every key, so that several chats can share one Redis. */
  readonly prefix?: string;
  /** Entries kept in the stream for nodes that fall behind or reconnect. */
  readonly streamLength?: number;
}

/** The commands the registry scripts become (ioredis `defineCommand`). */
interface ScriptCommands {
  chatClaim(prefix: string, node: string, name: string, mode: "login" | "reclaim", seq: number): Promise<number>;
  chatRelease(prefix: string, node: string, name: string, maxlen: string): Promise<number>;
  chatReap(prefix: string, node: string, maxlen: string, mode: "force" | "expired"): Promise<string[]>;
  chatRenew(prefix: string, node: string, leaseMs: number): Promise<number>;
  chatJoinGroup(prefix: string, group: string, shown: string, name: string): Promise<number>;
  chatLeaveGroup(prefix: string, group: string, name: string): Promise<number>;
}

/** Kinds of stream entries: a line for everyone, for a group, for one user; a departure. */
const EVERYONE = "B";
const GROUP = "G";
const USER = "U";
const DEPARTURE = "D";

const CONNECT_TIMEOUT_MS = 5000;
const COMMAND_TIMEOUT_MS = 2000;
const READ_BLOCK_MS = 1000;
const REJOIN_RETRY_MS = 1000;
/** Lines sent to Redis and not yet acknowledged, past which a sender is told the cluster is not keeping up. */
const MAX_IN_FLIGHT = 10_000;
const UNREACHABLE = "the cluster (Redis) cannot be reached; delivered to this node's users only";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

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
 *   that lost Redis for a while reads on from where it stopped.
 * - Each node renews a lease; one that stops renewing (killed, paused, cut
 *   off) is taken out by the others after the lease: its names are freed
 *   and its users announced as gone, by exactly one of them. A node that
 *   cannot renew for a whole lease stops acting for the cluster (its users
 *   get ERR cluster-unavailable) until it has rejoined.
 * - Lines for this node's own users never leave the process.
 */
export class RedisCluster implements PresencePort, DeliveryPort {
  readonly nodeId: string;
  private readonly prefix: string;
  private readonly maxlen: string;
  private readonly local = new InProcessDelivery();
  /** Names logged in at this node, by key, with their login sequence. */
  private readonly names = new Map<string, { readonly name: string; seq: number }>();
  private readonly redis: Redis & ScriptCommands;
  private readonly reader: Redis;
  private connected = false;
  private running = false;
  private rejoining = false;
  private lastId = "0";
  private serverRunId = "";
  private lastRenewal = 0;
  private inFlight = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Names to free once Redis is back: users who left meanwhile, and claims whose outcome was not heard. */
  private readonly waitingReleases = new Set<string>();
  private departureLine: (username: string) => Uint8Array = () => new Uint8Array();

  constructor(
    private readonly options: RedisClusterOptions,
    private readonly logger: LoggerPort,
    private readonly metrics: MetricsPort,
  ) {
    this.nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    this.prefix = options.prefix ?? "chat:";
    this.maxlen = String(options.streamLength ?? 100_000);
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
    this.redis = new Redis(options.url, { ...settings, commandTimeout: COMMAND_TIMEOUT_MS }) as Redis & ScriptCommands;
    this.reader = new Redis(options.url, { ...settings, commandTimeout: READ_BLOCK_MS + COMMAND_TIMEOUT_MS });
    // Connection errors come again at every reconnection attempt; the loss
    // itself is logged once (lost()), the details at debug level.
    for (const connection of [this.redis, this.reader]) {
      connection.on("error", (error: Error) => this.logger.debug({ err: error }, "redis connection error"));
    }
    const scripts = { chatClaim: CLAIM, chatRelease: RELEASE, chatReap: REAP, chatRenew: RENEW };
    for (const [name, lua] of Object.entries({ ...scripts, chatJoinGroup: JOIN_GROUP, chatLeaveGroup: LEAVE_GROUP })) {
      this.redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
  }

  /** Joins the cluster; rejects when Redis cannot be reached. */
  async start(): Promise<void> {
    this.running = true;
    const timeout = setTimeout(() => {
      this.redis.disconnect();
      this.reader.disconnect();
    }, CONNECT_TIMEOUT_MS);
    try {
      await Promise.all([this.redis.connect(), this.reader.connect()]);
    } catch (error) {
      this.running = false;
      throw new Error(`cannot reach Redis at ${this.options.url}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timeout);
    }
    // A previous run under the same id (restarted before its lease ran
    // out) left its users behind: they are gone, and announced.
    const leftover = await this.redis.chatReap(this.prefix, this.nodeId, this.maxlen, "force");
    if (leftover.length > 0) this.logger.warn({ node: this.nodeId, users: leftover.length }, "cleared what a previous run of this node left");
    // Read from now on: what was said before this node joined is not for it.
    this.serverRunId = await this.runId();
    this.lastId = await this.newestId();
    await this.register();
    this.markConnected();
    this.redis.on("close", () => this.lost("the connection to Redis closed"));
    this.redis.on("ready", () => void this.rejoin());
    void this.read();
    const beat = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.timers.push(setInterval(() => void this.beat(), beat).unref());
    this.logger.info({ node: this.nodeId, redis: redact(this.options.url) }, "joined the cluster");
  }

  /** Leaves the cluster: the node's own entries go; its users have left already. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    if (this.connected) {
      await Promise.allSettled([...this.names.values()].map(({ name }) => this.redis.chatRelease(this.prefix, this.nodeId, name, this.maxlen)));
      await Promise.allSettled([
        this.redis.del(this.key(`node:${this.nodeId}`), this.key(`node-users:${this.nodeId}`)),
        this.redis.srem(this.key("nodes"), this.nodeId),
      ]);
    }
    this.reader.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  // PresencePort

  async claim(username: string): Promise<boolean> {
    let seq: number;
    try {
      seq = await this.call(() => this.redis.chatClaim(this.prefix, this.nodeId, username, "login", 0));
    } catch (error) {
      // The claim may have happened without its reply reaching us: free it
      // later, unless a user here holds the name by then.
      if (this.running) this.waitingReleases.add(username);
      throw error;
    }
    if (seq === 0) return false;
    if (!this.running) {
      this.waitingReleases.add(username);
      return false;
    }
    this.names.set(nameKey(username), { name: username, seq });
    return true;
  }

  release(username: string): void {
    this.names.delete(nameKey(username));
    if (!this.connected) {
      this.waitingReleases.add(username);
      return;
    }
    this.redis
      .chatRelease(this.prefix, this.nodeId, username, this.maxlen)
      .catch(() => this.waitingReleases.add(username));
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

  broadcast(line: Uint8Array, except?: Recipient): void {
    this.local.broadcast(line, except);
    this.publish(EVERYONE, "", line);
  }

  /** This node's users now; the others when the names are released (see RELEASE). */
  announceDepartures(usernames: readonly string[], lines: Uint8Array): void {
    this.local.announceDepartures(usernames, lines);
  }

  setDepartureLine(format: (username: string) => Uint8Array): void {
    this.departureLine = format;
  }

  async sendTo(username: string, line: Uint8Array): Promise<boolean> {
    const here = this.local.recipient(username);
    if (here !== undefined) {
      here.deliver(line);
      return true;
    }
    const holder = await this.call(() => this.redis.get(this.key(`name:${nameKey(username)}`)));
    if (holder === null) return false;
    this.publish(USER, username, line);
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

  sendToGroup(group: string, line: Uint8Array, except?: Recipient): void {
    this.local.sendToGroup(group, line, except);
    this.publish(GROUP, nameKey(group), line);
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

  /** Runs a Redis command for a client; a failure to reach Redis becomes UnavailableError. */
  private async call<T>(command: () => Promise<T>): Promise<T> {
    if (!this.connected) throw new UnavailableError(UNREACHABLE);
    try {
      return await command();
    } catch (error) {
      throw new UnavailableError(`${UNREACHABLE} (${(error as Error).message})`);
    }
  }

  /** Appends a line for other nodes, after local delivery, so that this node's users have it either way. */
  private publish(kind: string, target: string, line: Uint8Array): void {
    if (!this.connected) throw new UnavailableError(UNREACHABLE);
    if (this.inFlight >= MAX_IN_FLIGHT) throw new UnavailableError("the cluster (Redis) is not keeping up; delivered to this node's users only");
    this.inFlight++;
    this.redis
      .xadd(this.key("bus"), "MAXLEN", "~", this.maxlen, "*", "o", this.nodeId, "k", kind, "t", target, "l", Buffer.from(line))
      .catch((error: Error) => this.logger.warn({ err: error }, "a line for other nodes may be lost"))
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

  private async register(): Promise<void> {
    await this.redis.sadd(this.key("nodes"), this.nodeId);
    await this.redis.chatRenew(this.prefix, this.nodeId, this.options.leaseMs);
    this.lastRenewal = Date.now();
  }

  /** Every third of the lease: renew it, and take out the nodes whose lease ran out. */
  private async beat(): Promise<void> {
    if (!this.connected) return;
    try {
      if ((await this.redis.chatRenew(this.prefix, this.nodeId, this.options.leaseMs)) === 0) {
        this.lost("this node was taken out of the cluster (it could not renew its lease in time)");
        return;
      }
      this.lastRenewal = Date.now();
      await this.releaseWaiting();
      await this.reapDeadNodes();
    } catch {
      // Past a whole lease without renewing, the others may have taken this
      // node out: it must not go on acting for the cluster.
      if (Date.now() - this.lastRenewal > this.options.leaseMs) this.lost("could not renew the lease for a whole lease");
    }
  }

  /** Frees the names waiting for it, but for any a user here holds by now. */
  private async releaseWaiting(): Promise<void> {
    for (const name of [...this.waitingReleases]) {
      if (!this.names.has(nameKey(name))) await this.redis.chatRelease(this.prefix, this.nodeId, name, this.maxlen);
      this.waitingReleases.delete(name);
    }
  }

  private async reapDeadNodes(): Promise<void> {
    const nodes = (await this.redis.smembers(this.key("nodes"))).filter((node) => node !== this.nodeId);
    for (const node of nodes) {
      if ((await this.redis.exists(this.key(`node:${node}`))) === 1) continue;
      const gone = await this.redis.chatReap(this.prefix, node, this.maxlen, "expired");
      if (gone.length > 0) this.logger.warn({ node, users: gone.length }, "a node stopped beating: its users are gone");
    }
  }

  /** Reads the other nodes' lines, from where it stopped, until stopped. */
  private async read(): Promise<void> {
    const stream = this.key("bus");
    while (this.running) {
      try {
        const result = await this.reader.xreadBuffer("COUNT", 1000, "BLOCK", READ_BLOCK_MS, "STREAMS", stream, this.lastId);
        for (const [, entries] of result ?? []) {
          for (const [id, fields] of entries) {
            this.lastId = id.toString();
            this.take(fields);
          }
        }
      } catch {
        if (this.running) await sleep(200);
      }
    }
  }

  /** One entry: origin node, kind, target, line (in that order, as written). */
  private take(fields: Buffer[]): void {
    const origin = fields[1]!.toString();
    if (origin === this.nodeId) return; // this node's own users had it when it was sent
    const kind = fields[3]!.toString();
    const target = fields[5]!.toString();
    if (kind === EVERYONE) this.local.broadcast(fields[7]!);
    else if (kind === GROUP) this.local.sendToGroup(target, fields[7]!);
    else if (kind === USER) void this.local.sendTo(target, fields[7]!);
    // A departure of a name a user here holds is old news (a reap while this
    // node was away, before it took the name back): nobody left.
    else if (kind === DEPARTURE && !this.names.has(nameKey(target))) this.local.broadcast(this.departureLine(target));
  }

  private markConnected(): void {
    this.connected = true;
    this.metrics.clusterConnected(true);
  }

  private lost(why: string): void {
    if (!this.connected || !this.running) return;
    this.connected = false;
    this.metrics.clusterConnected(false);
    this.logger.warn({ node: this.nodeId, why }, "lost the cluster (Redis): serving this node's users alone");
    void this.rejoin();
  }

  /**
   * Back in the cluster, retried until it works: renew the lease, put this
   * node's users (and their groups) back in the registry, keeping their
   * login order (the others may have taken them out, or Redis may have
   * restarted empty), and free the names of those who left meanwhile (which
   * announces them, unless a reap did already).
   */
  private async rejoin(): Promise<void> {
    if (!this.running || this.connected || this.rejoining) return;
    this.rejoining = true;
    try {
      while (this.running && !this.connected) {
        if (this.redis.status === "ready") {
          try {
            await this.rejoinOnce();
            return;
          } catch (error) {
            this.logger.warn({ err: error }, "could not rejoin the cluster yet");
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
    await this.register();
    for (const [key, entry] of this.names) {
      const seq = await this.redis.chatClaim(this.prefix, this.nodeId, entry.name, "reclaim", entry.seq);
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
    this.markConnected();
    this.logger.info({ node: this.nodeId, users: this.names.size }, "back in the cluster");
  }
}

/** A Redis URL without its password, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

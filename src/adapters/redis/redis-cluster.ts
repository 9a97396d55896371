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
import { CLAIM, JOIN_GROUP, LEAVE_GROUP, REAP, RELEASE } from "./scripts";

export interface RedisClusterOptions {
  /** redis://[user:password@]host:port[/db] */
  readonly url: string;
  /** A node that stops beating for this long is taken out, its users announced as gone. */
  readonly leaseMs: number;
  /** Unique among the nodes; host, process and a random part by default. */
  readonly nodeId?: string;
  /** Prefix of every key, so that several chats can share one Redis. */
  readonly prefix?: string;
  /** Entries kept in each stream for nodes that fall behind or reconnect. */
  readonly streamLength?: number;
}

/** The commands the registry scripts become (ioredis `defineCommand`). */
interface ScriptCommands {
  chatClaim(prefix: string, node: string, name: string, mode: "login" | "reclaim"): Promise<number>;
  chatRelease(prefix: string, node: string, name: string): Promise<number>;
  chatReap(prefix: string, node: string): Promise<string[]>;
  chatJoinGroup(prefix: string, group: string, shown: string, name: string): Promise<number>;
  chatLeaveGroup(prefix: string, group: string, name: string): Promise<number>;
}

/** Kinds of stream entries: a line for everyone, for a group's members, for one user. */
const EVERYONE = "B";
const GROUP = "G";
const USER = "U";

const CONNECT_TIMEOUT_MS = 5000;
const READ_BLOCK_MS = 1000;
const MAX_WAITING_DEPARTURES = 10_000;
const UNREACHABLE = "the cluster (Redis) cannot be reached; delivered to this node's users only";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * One chat across many server processes, through one Redis: presence (who
 * is online, names unique across nodes) and delivery (who gets a line).
 *
 * - Names are claimed by a script, atomically: of two nodes claiming one
 *   name at the same instant exactly one wins.
 * - Lines for other nodes go through Redis streams: one stream every node
 *   reads (messages to everyone, to groups, departures) and one inbox per
 *   node (DMs). A stream keeps order, so each sender's lines arrive in the
 *   order sent, once; and it keeps recent entries, so a node that lost
 *   Redis for a while reads on from where it stopped.
 * - Each node holds a lease it renews; a node that stops renewing (killed)
 *   is taken out by the others after the lease: its names are freed and its
 *   users announced as gone, by exactly one of them.
 * - Lines for this node's own users never leave the process.
 */
export class RedisCluster implements PresencePort, DeliveryPort {
  readonly nodeId: string;
  private readonly prefix: string;
  private readonly local = new InProcessDelivery();
  /** Names logged in at this node, by key. */
  private readonly names = new Map<string, string>();
  private readonly redis: Redis & ScriptCommands;
  private readonly reader: Redis;
  private connected = false;
  private running = false;
  private lastIds: [bus: string, inbox: string] = ["0", "0"];
  private readonly timers: NodeJS.Timeout[] = [];
  /** Work that waits for Redis: names to free, departures to announce. */
  private readonly waitingReleases = new Set<string>();
  private readonly waitingDepartures: Buffer[] = [];
  private departed: (username: string) => void = () => undefined;

  constructor(
    private readonly options: RedisClusterOptions,
    private readonly logger: LoggerPort,
    private readonly metrics: MetricsPort,
  ) {
    this.nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
    this.prefix = options.prefix ?? "chat:";
    // No offline queue: while Redis is away a command fails at once, and the
    // client is told, instead of the command waiting unseen.
    const settings = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 2000),
    };
    this.redis = new Redis(options.url, settings) as Redis & ScriptCommands;
    this.reader = new Redis(options.url, settings);
    // Connection errors come again at every reconnection attempt; the loss
    // itself is logged once (markConnected), the details at debug level.
    for (const connection of [this.redis, this.reader]) {
      connection.on("error", (error: Error) => this.logger.debug({ err: error }, "redis connection error"));
    }
    for (const [name, lua] of Object.entries({ chatClaim: CLAIM, chatRelease: RELEASE, chatReap: REAP })) {
      this.redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
    this.redis.defineCommand("chatJoinGroup", { numberOfKeys: 0, lua: JOIN_GROUP });
    this.redis.defineCommand("chatLeaveGroup", { numberOfKeys: 0, lua: LEAVE_GROUP });
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
    // Read from now on: what was said before this node joined is not for it.
    this.lastIds = [await this.lastId(this.key("bus")), await this.lastId(this.inbox(this.nodeId))];
    await this.register();
    this.markConnected(true);
    this.redis.on("close", () => this.markConnected(false));
    this.redis.on("ready", () => void this.rejoin());
    void this.read();
    const beat = Math.max(50, Math.floor(this.options.leaseMs / 3));
    this.timers.push(setInterval(() => void this.renewLease(), beat).unref());
    this.timers.push(setInterval(() => void this.reapDeadNodes(), beat).unref());
    this.logger.info({ node: this.nodeId, redis: redact(this.options.url) }, "joined the cluster");
  }

  /** Leaves the cluster: the node's own entries go; its users have left already. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const timer of this.timers) clearInterval(timer);
    if (this.connected) {
      await Promise.allSettled([...this.names.values()].map((name) => this.redis.chatRelease(this.prefix, this.nodeId, name)));
      await Promise.allSettled([
        this.redis.del(this.key(`node:${this.nodeId}`), this.key(`node-users:${this.nodeId}`), this.inbox(this.nodeId)),
        this.redis.srem(this.key("nodes"), this.nodeId),
      ]);
    }
    this.reader.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  // PresencePort

  async claim(username: string): Promise<boolean> {
    const won = (await this.call(() => this.redis.chatClaim(this.prefix, this.nodeId, username, "login"))) === 1;
    if (won) this.names.set(nameKey(username), username);
    return won;
  }

  release(username: string): void {
    this.names.delete(nameKey(username));
    if (!this.connected) {
      this.waitingReleases.add(username);
      return;
    }
    this.redis.chatRelease(this.prefix, this.nodeId, username).catch(() => this.waitingReleases.add(username));
  }

  list(): Promise<readonly string[]> {
    return this.call(() => this.redis.zrange(this.key("logins"), 0, -1));
  }

  onDeparted(listener: (username: string) => void): void {
    this.departed = listener;
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
    this.publish(this.key("bus"), EVERYONE, "", line);
  }

  announceDeparture(line: Uint8Array): void {
    this.local.broadcast(line);
    if (this.connected) {
      this.publish(this.key("bus"), EVERYONE, "", line);
    } else if (this.waitingDepartures.length < MAX_WAITING_DEPARTURES) {
      this.waitingDepartures.push(Buffer.from(line));
    }
  }

  async sendTo(username: string, line: Uint8Array): Promise<boolean> {
    if (this.local.recipient(username) !== undefined) return this.local.sendTo(username, line);
    const holder = await this.call(() => this.redis.get(this.key(`name:${nameKey(username)}`)));
    if (holder === null) return false;
    this.publish(this.inbox(holder), USER, username, line);
    return true;
  }

  async joinGroup(group: string, username: string, recipient: Recipient): Promise<boolean> {
    const joined = await this.call(() => this.redis.chatJoinGroup(this.prefix, nameKey(group), group, username));
    if (joined === 1) await this.local.joinGroup(group, username, recipient);
    return joined === 1;
  }

  async leaveGroup(group: string, username: string): Promise<boolean> {
    await this.local.leaveGroup(group, username);
    return (await this.call(() => this.redis.chatLeaveGroup(this.prefix, nameKey(group), username))) === 1;
  }

  isInGroup(group: string, username: string): boolean {
    return this.local.isInGroup(group, username);
  }

  sendToGroup(group: string, line: Uint8Array, except?: Recipient): void {
    this.local.sendToGroup(group, line, except);
    this.publish(this.key("bus"), GROUP, nameKey(group), line);
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

  private inbox(node: string): string {
    return this.key(`inbox:${node}`);
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

  /** Appends a line for other nodes; after local delivery, so that this node's users have it either way. */
  private publish(stream: string, kind: string, target: string, line: Uint8Array): void {
    if (!this.connected) throw new UnavailableError(UNREACHABLE);
    const length = String(this.options.streamLength ?? 100_000);
    this.redis
      .xadd(stream, "MAXLEN", "~", length, "*", "o", this.nodeId, "k", kind, "t", target, "l", Buffer.from(line))
      .catch((error: Error) => this.logger.warn({ err: error }, "a line for other nodes was lost"));
  }

  private async lastId(stream: string): Promise<string> {
    const [last] = await this.redis.xrevrange(stream, "+", "-", "COUNT", 1);
    return last?.[0] ?? "0";
  }

  private async register(): Promise<void> {
    await this.redis.set(this.key(`node:${this.nodeId}`), String(Date.now()), "PX", this.options.leaseMs);
    await this.redis.sadd(this.key("nodes"), this.nodeId);
  }

  private async renewLease(): Promise<void> {
    if (!this.connected) return;
    await this.redis.set(this.key(`node:${this.nodeId}`), String(Date.now()), "PX", this.options.leaseMs).catch(() => undefined);
  }

  /** Takes out the nodes whose lease ran out; their users are announced as gone, by whichever node reaps them. */
  private async reapDeadNodes(): Promise<void> {
    if (!this.connected) return;
    try {
      const nodes = (await this.redis.smembers(this.key("nodes"))).filter((node) => node !== this.nodeId);
      for (const node of nodes) {
        if ((await this.redis.exists(this.key(`node:${node}`))) === 1) continue;
        const gone = await this.redis.chatReap(this.prefix, node);
        await this.redis.del(this.inbox(node));
        if (gone.length > 0) this.logger.warn({ node, users: gone.length }, "a node stopped beating: its users are gone");
        for (const username of gone) this.departed(username);
      }
    } catch (error) {
      this.logger.debug({ err: error }, "could not look for dead nodes");
    }
  }

  /** Reads the other nodes' lines, from where it stopped, until stopped. */
  private async read(): Promise<void> {
    const streams = [this.key("bus"), this.inbox(this.nodeId)];
    while (this.running) {
      try {
        const result = await this.reader.xreadBuffer("COUNT", 1000, "BLOCK", READ_BLOCK_MS, "STREAMS", ...streams, ...this.lastIds);
        for (const [stream, entries] of result ?? []) {
          const index = streams.indexOf(stream.toString());
          for (const [id, fields] of entries) {
            this.lastIds[index] = id.toString();
            this.take(fields);
          }
        }
      } catch {
        if (this.running) await sleep(200);
      }
    }
  }

  /** One entry: origin, kind, target, line (in that order, as published). */
  private take(fields: Buffer[]): void {
    const origin = fields[1]!.toString();
    const kind = fields[3]!.toString();
    if (origin === this.nodeId && kind !== USER) return; // delivered here when it was sent
    const target = fields[5]!.toString();
    const line = fields[7]!;
    if (kind === EVERYONE) this.local.broadcast(line);
    else if (kind === GROUP) this.local.sendToGroup(target, line);
    else void this.local.sendTo(target, line);
  }

  private markConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.metrics.clusterConnected(connected);
    if (!connected && this.running) this.logger.warn({ node: this.nodeId }, "lost the cluster (Redis): serving this node's users alone");
  }

  /**
   * Redis is back: renew the lease, put this node's users (and their groups)
   * back in the registry (the others may have taken them out, or Redis may
   * have restarted empty), free the names of those who left meanwhile, and
   * announce their departures.
   */
  private async rejoin(): Promise<void> {
    if (!this.running || this.connected) return;
    try {
      await this.register();
      for (const [key, name] of this.names) {
        if ((await this.redis.chatClaim(this.prefix, this.nodeId, name, "reclaim")) === 1) continue;
        // Another node took the name while this one was away: its user here goes.
        this.names.delete(key);
        this.local.recipient(name)?.evict("ERR username-taken");
      }
      for (const [group, name] of this.local.memberships()) {
        await this.redis.chatJoinGroup(this.prefix, nameKey(group), group, name);
      }
      for (const name of this.waitingReleases) await this.redis.chatRelease(this.prefix, this.nodeId, name);
      this.waitingReleases.clear();
      this.markConnected(true);
      for (const line of this.waitingDepartures.splice(0)) this.publish(this.key("bus"), EVERYONE, "", line);
      this.logger.info({ node: this.nodeId, users: this.names.size }, "back in the cluster");
    } catch (error) {
      this.logger.warn({ err: error }, "could not rejoin the cluster yet");
    }
  }
}

/** A Redis URL without its password, for logs. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@");
}

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import Redis from "ioredis";
import { UnavailableError } from "../../core/errors";
import { sleep, type ClockPort, type Timer } from "../../core/ports/clock.port";
import type { LogContext, LoggerPort } from "../../core/ports/logger.port";
import type { MetricsPort } from "../../core/ports/metrics.port";
import type { DeliveryHost } from "./cluster-delivery";
import { checkFormat, ClusterFormatError } from "./cluster-format";
import type { MovesHost } from "./cluster-moves";
import { UNREACHABLE, type PresenceHost } from "./cluster-presence";
import { ClusterStream, READ_BLOCK_MS, type StreamConsumer } from "./cluster-stream";
import { NodeIdTakenError, NodeLease } from "./node-lease";
import type { ListsHost } from "./redis-lists";
import { isRedisUrl, loggableError, redactUrl, secretScrubber } from "./redis-url";
import { withScripts, type ScriptedRedis } from "./scripts";

export interface ClusterNodeOptions {
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

/** What the node asks of the parts that act through it, as it beats, rejoins and leaves. */
export interface NodeParts {
  /** Takes the other processes' bus entries, read while the node is in the cluster (or out, and rejoining). */
  readonly consumer: StreamConsumer;
  /**
   * Back in the cluster: this node's users (and their groups) are put back
   * in the registry, and the names of those who left meanwhile freed.
   * Resolves with how many users the node has.
   */
  restore(): Promise<number>;
  /** At every beat: the names waiting for Redis are freed. */
  releaseWaiting(): Promise<void>;
  /** Leaving: every name held here is freed. */
  releaseAll(): Promise<void>;
}

/**
 * Where this node stands: starting; in the cluster; out of it (Redis lost,
 * or its lease lapsed) and rejoining; stopped for good (another process
 * holds its id, or the cluster's nodes are of another format); stopped.
 */
type State = "new" | "joining" | "in" | "out" | "displaced" | "stopped";

const CONNECT_TIMEOUT_MS = 5000;
const COMMAND_TIMEOUT_MS = 2000;
const REJOIN_RETRY_MS = 1000;

const DEFAULT_TURN_BYTES = 64 * 1024;

/** What a node logs as it stops for good (see displace). */
const ID_TAKEN =
  "another process holds this node's id in Redis (this one was paused or cut off past its lease): it no longer acts for the cluster and serves its users alone; restart it";
const FORMAT_CHANGED =
  "the cluster's running nodes are of another format: this node no longer acts for the cluster and serves its users alone; stop all nodes, then start the new version";

/**
 * A node's standing in the cluster, and its connections to Redis: the host
 * its parts act through (see RedisCluster). It joins (the cluster's format
 * checked, its id claimed), holds its lease with a heartbeat, and takes out
 * the nodes whose lease ran out (see NodeLease). A node that has not
 * renewed for a whole lease, or whose connection closed, stops acting for
 * the cluster (its users get ERR cluster-unavailable) until it has
 * rejoined; one whose id another process took meanwhile, or that finds the
 * cluster's nodes of another format when it rejoins, stops for good. Every
 * command a client's request makes goes through `call`, every bus entry
 * through `send`: refused at once while the node is not in.
 */
export class ClusterNode implements PresenceHost, MovesHost, ListsHost, DeliveryHost {
  readonly nodeId: string;
  readonly prefix: string;
  readonly maxlen: string;
  readonly redis: ScriptedRedis;
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

  constructor(
    private readonly options: ClusterNodeOptions,
    private readonly parts: NodeParts,
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
    this.stream = new ClusterStream(
      this.redis,
      this.reader,
      { key: `${this.prefix}bus`, maxlen: this.maxlen, turnBytes: options.turnBytes ?? DEFAULT_TURN_BYTES, origin: this.token, clock: this.clock },
      logger,
      (error) => this.loggable(error),
    );
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

  /** Whether this node stopped acting for the cluster for good (another process took its id, or the cluster's format changed). */
  get displaced(): boolean {
    return this.state === "displaced";
  }

  /** The Redis URL as it may be printed: without its password. */
  private get redisUrl(): string {
    return redactUrl(this.options.url);
  }

  /**
   * Joins the cluster; rejects when Redis cannot be reached, when the
   * cluster's running nodes are of another format, or when a live process
   * holds this node's id (after waiting, at most a lease, for the claim of
   * a run of this node that died to run out).
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
      // Before the claim: a node refused leaves nothing behind.
      await checkFormat(this.redis, this.prefix);
      await this.lease.claim(() => this.state !== "joining");
      // A previous run under this id (it died, its lease ran out, nobody
      // took it out yet) left its users behind: they are gone, and announced.
      const leftover = await this.lease.clearPreviousRun();
      if (leftover.length > 0) this.logger.warn({ node: this.nodeId, users: leftover.length }, "cleared what a previous run of this node left");
      await this.stream.start();
    } catch (error) {
      this.abandonStart();
      if (error instanceof NodeIdTakenError || error instanceof ClusterFormatError) throw error;
      throw new Error(`cannot join the cluster through Redis at ${this.redisUrl}: ${this.loggable(error).message}`);
    }
    this.markConnected();
    this.redis.on("close", () => this.lost("the connection to Redis closed"));
    this.redis.on("ready", () => void this.rejoin());
    void this.stream.read(() => this.reading(), this.parts.consumer);
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
      await this.parts.releaseAll();
      await this.lease.leave().catch(() => undefined);
    }
    this.reader.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
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

  /** Appends an entry to the bus; throws UnavailableError when this node is not in the cluster. */
  send(kind: string, target: string, payload: string): void {
    if (!this.acting()) throw new UnavailableError(UNREACHABLE);
    this.stream.publish(kind, target, payload);
  }

  /** Out of the cluster (Redis lost, or the lease lapsed): the node serves its users alone, and rejoins as soon as it can. */
  lost(why: string): void {
    if (this.state !== "in") return;
    this.state = "out";
    this.metrics.clusterConnected(false);
    this.logger.warn({ node: this.nodeId, why }, "lost the cluster (Redis): serving this node's users alone");
    void this.rejoin();
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
      if (renewal === "taken") return this.displace(ID_TAKEN);
      if (renewal === "lapsed") return this.lost("its lease ran out before it was renewed: the others may have taken it out");
      await this.parts.releaseWaiting();
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

  private markConnected(): void {
    this.state = "in";
    this.metrics.clusterConnected(true);
  }

  /**
   * This node must not act for the cluster again: another process holds
   * its id (this one was paused or cut off past its lease, and a process
   * started under the same id meanwhile), or the cluster's nodes are of
   * another format now. It stops for good, rather than fight over the id
   * or misread the others: no more Redis, its users are served alone.
   */
  private displace(message: typeof ID_TAKEN | typeof FORMAT_CHANGED, context: LogContext = {}): void {
    if (this.state === "displaced" || this.state === "stopped") return;
    this.state = "displaced";
    this.metrics.clusterConnected(false);
    this.logger.error({ node: this.nodeId, redis: this.redisUrl, ...context }, message);
    this.reader.disconnect();
    this.redis.disconnect();
  }

  /** Back in the cluster, retried until it works (see rejoinOnce). */
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
            if (error instanceof ClusterFormatError) return this.displace(FORMAT_CHANGED, { err: error.message });
            this.logger.warn({ err: this.loggable(error) }, "could not rejoin the cluster yet");
          }
        }
        await sleep(this.clock, REJOIN_RETRY_MS);
      }
    } finally {
      this.rejoining = false;
    }
  }

  /**
   * Reads the bus on from where it stopped, checks the cluster's format
   * (and records it again, if Redis lost it), claims the id again, and has
   * the parts put this node's users back (the others may have taken them
   * out, or Redis may have restarted empty).
   */
  private async rejoinOnce(): Promise<void> {
    await this.stream.resume();
    await checkFormat(this.redis, this.prefix);
    if (!(await this.lease.rejoin())) return this.displace(ID_TAKEN);
    const users = await this.parts.restore();
    if (this.state !== "out") return;
    this.markConnected();
    this.logger.info({ node: this.nodeId, users }, "back in the cluster");
  }
}

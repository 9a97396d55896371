import { randomBytes } from "node:crypto";
import { sleep, type ClockPort } from "../../core/ports/clock.port";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { ScriptedRedis } from "./scripts";

export interface NodeLeaseOptions {
  readonly prefix: string;
  readonly nodeId: string;
  readonly leaseMs: number;
  /** Entries kept in the stream (departures are written to it). */
  readonly maxlen: string;
  /** This process's time: how long ago the lease was renewed, the wait for a claim to run out. */
  readonly clock: ClockPort;
}

/** What renewing found: renewed; lapsed (not renewed for a lease, must rejoin); taken by another process. */
export type Renewal = "renewed" | "lapsed" | "taken";

/** A node id held by a live process: this one must not start under it. */
export class NodeIdTakenError extends Error {}

/** Past the expiry Redis reported, before looking again: clocks and round trips. */
const EXPIRY_MARGIN_MS = 50;

/**
 * A node's claim on its id, and its lease, in Redis: one key holding a
 * random token of this process, set only if free, expiring unless renewed.
 * Two processes can never both hold one id; every registry change a node
 * makes is checked against the token (see scripts.ts). Also takes out the
 * nodes whose lease ran out.
 *
 * A process cannot tell a previous run of its node that died from one that
 * is alive but for the claim: the first stops renewing. So a process that
 * finds its id held waits for that claim to run out (at most a lease) and
 * takes it then; a claim still held afterwards was renewed (or is held for
 * longer than this node's lease): the id is in use, and the process refuses
 * to start.
 */
export class NodeLease {
  /** This run of the node: the token of its claim, and the origin of its stream entries. */
  readonly token = randomBytes(8).toString("hex");
  /** When the last renewal that worked was sent: the lease holds until a lease after that (never, before the first). */
  private renewedAt = -Infinity;

  constructor(
    private readonly redis: ScriptedRedis,
    private readonly options: NodeLeaseOptions,
    private readonly logger: LoggerPort,
  ) {}

  /** Whether the lease is still this process's by its own clock (it was renewed less than a lease ago). */
  get current(): boolean {
    return this.options.clock.now() - this.renewedAt < this.options.leaseMs;
  }

  /**
   * Claims the id at start, waiting for a previous run's claim to run out
   * (bounded by the lease); rejects with NodeIdTakenError if another live
   * process holds it. `cancelled` ends the wait (the server is stopping).
   */
  async claim(cancelled: () => boolean): Promise<void> {
    const { nodeId, leaseMs } = this.options;
    const left = await this.join();
    if (left === 0) return;
    const waitMs = Math.min(left, leaseMs) + EXPIRY_MARGIN_MS;
    this.logger.warn({ node: nodeId, waitMs }, "this node's id is held in Redis, perhaps by a run of it that died: waiting for that claim to run out");
    await sleep(this.options.clock, waitMs);
    if (cancelled()) throw new Error("stopped while waiting for this node's id");
    if ((await this.join()) === 0) return;
    throw new NodeIdTakenError(
      `the node id "${nodeId}" is in use: another server holds it in Redis, and its claim did not run out within the lease (${leaseMs / 1000} s)`,
    );
  }

  /** Claims the id again, back from a Redis outage: false if another process holds it now. */
  async rejoin(): Promise<boolean> {
    return (await this.join()) === 0;
  }

  async renew(): Promise<Renewal> {
    const sent = this.options.clock.now();
    const answer = await this.redis.chatRenew(this.options.prefix, this.options.nodeId, this.token, this.options.leaseMs);
    if (answer === 1) {
      this.renewedAt = sent;
      return "renewed";
    }
    return answer === 0 ? "lapsed" : "taken";
  }

  /** What a previous run under this id left, once the id is this process's: its users are gone, and announced. */
  clearPreviousRun(): Promise<string[]> {
    return this.redis.chatClearPreviousRun(this.options.prefix, this.options.nodeId, this.token, this.options.maxlen);
  }

  /** Takes out the other nodes whose lease ran out: their names are freed, their users announced as gone. */
  async reapDeadNodes(): Promise<void> {
    const { prefix, nodeId, maxlen } = this.options;
    const nodes = (await this.redis.smembers(`${prefix}nodes`)).filter((node) => node !== nodeId);
    for (const node of nodes) {
      if ((await this.redis.exists(`${prefix}node:${node}`)) === 1) continue;
      const gone = await this.redis.chatReap(prefix, node, maxlen);
      if (gone.length > 0) this.logger.warn({ node, users: gone.length }, "a node stopped beating: its users are gone");
    }
  }

  /** Gives the id back (a clean stop), if this process still holds it. */
  async leave(): Promise<void> {
    await this.redis.chatLeaveNode(this.options.prefix, this.options.nodeId, this.token, this.options.maxlen);
  }

  /** Sets the claim if it is free or this process's; else answers how long the holder's runs. */
  private async join(): Promise<number> {
    const sent = this.options.clock.now();
    const left = await this.redis.chatJoinNode(this.options.prefix, this.options.nodeId, this.token, this.options.leaseMs);
    if (left === 0) this.renewedAt = sent;
    return left;
  }
}

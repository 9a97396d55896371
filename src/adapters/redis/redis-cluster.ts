import { EventStamps } from "../../core/event-ids";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { MetricsPort } from "../../core/ports/metrics.port";
import { InProcessDelivery } from "../in-process/in-process-delivery";
import { ClusterDelivery } from "./cluster-delivery";
import { ClusterMoves } from "./cluster-moves";
import { ClusterNode, type ClusterNodeOptions, type NodeParts } from "./cluster-node";
import { ClusterPresence } from "./cluster-presence";
import { RedisLists } from "./redis-lists";
import { RedisProfiles } from "./redis-profiles";

/**
 * One chat across many server processes, through one Redis: the parts of a
 * node, put together. Each port is one of them, registered as it is:
 *
 * - ClusterNode: where the node stands in the cluster (joining, its lease,
 *   rejoining, displaced), and its connections to Redis: the host every
 *   other part acts through.
 * - ClusterPresence (PresencePort): names, claimed by a script, atomically:
 *   of two nodes claiming one name at the same instant exactly one wins.
 *   Freeing a name and announcing the departure are one script too.
 * - ClusterDelivery (DeliveryPort): who gets an event. Lines for other nodes
 *   go through one Redis stream that every node reads (see ClusterStream):
 *   messages to everyone, to groups, to one user, and departures, each
 *   sender's in the order sent, once. Lines for this node's own users never
 *   leave the process.
 * - ClusterMoves (SessionMovesPort): a resumable session moves to the node
 *   its client resumed on.
 * - RedisLists (ListsPort): plugins' lists (the history), shared by the nodes.
 * - RedisProfiles (ProfilesPort): what others see of each user (WHOIS).
 *
 * This class also says what the parts do as the node's standing changes
 * (NodeParts): what it rejoins with, and what it gives back as it leaves.
 */
export class RedisCluster implements NodeParts {
  readonly presence: ClusterPresence;
  readonly delivery: ClusterDelivery;
  readonly moves: ClusterMoves;
  readonly lists: RedisLists;
  readonly profiles: RedisProfiles;
  private readonly node: ClusterNode;
  /** This node's users, shared by delivery and the moves. */
  private readonly local = new InProcessDelivery();

  constructor(options: ClusterNodeOptions, logger: LoggerPort, metrics: MetricsPort) {
    this.node = new ClusterNode(options, this, logger, metrics);
    this.presence = new ClusterPresence(this.node);
    const stamps = new EventStamps(options.clock);
    this.moves = new ClusterMoves(this.node, this.local, this.presence, logger, stamps);
    this.delivery = new ClusterDelivery(this.node, this.local, this.presence, this.moves, logger, stamps);
    this.lists = new RedisLists(this.node, logger);
    this.profiles = new RedisProfiles(this.node, logger);
  }

  /** Whether this node stopped acting for the cluster for good: it can serve no one new. */
  get displaced(): boolean {
    return this.node.displaced;
  }

  /** Joins the cluster (see ClusterNode.start). */
  start(): Promise<void> {
    return this.node.start();
  }

  /** Leaves the cluster: the node's own entries go; its users have left already. */
  stop(): Promise<void> {
    return this.node.stop();
  }

  // NodeParts

  get consumer(): ClusterDelivery {
    return this.delivery;
  }

  /**
   * Puts this node's users back in the registry, keeping their login order
   * (a user whose name another node took meanwhile goes), and their groups;
   * then frees the names of those who left meanwhile (which announces them,
   * unless a reap did already).
   */
  async restore(): Promise<number> {
    await this.presence.reclaim((name) => this.local.recipient(name)?.evict());
    await this.delivery.restoreGroups();
    await this.profiles.restore();
    await this.presence.releaseWaiting();
    return this.presence.size;
  }

  releaseWaiting(): Promise<void> {
    return this.presence.releaseWaiting();
  }

  releaseAll(): Promise<void> {
    return this.presence.releaseAll();
  }
}

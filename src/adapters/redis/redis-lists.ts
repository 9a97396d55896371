import type Redis from "ioredis";
import type { ListsPort } from "../../core/ports/lists.port";
import type { LoggerPort } from "../../core/ports/logger.port";

/** What the lists need of the node. */
export interface ListsHost {
  readonly redis: Redis;
  readonly prefix: string;
  /** Runs a command for a client; Redis away (or this node out of the cluster) becomes UnavailableError. */
  call<T>(command: () => Promise<T>): Promise<T>;
  loggable(error: unknown): { message: string };
}

/**
 * The lists in the cluster's Redis (`<prefix>list:<name>`), shared by every
 * node: a node's restart loses none of them, and with Redis's own
 * persistence on (RDB or AOF), a Redis restart neither.
 */
export class RedisLists implements ListsPort {
  constructor(
    private readonly host: ListsHost,
    private readonly logger: LoggerPort,
  ) {}

  push(list: string, item: string, keep: number): void {
    const key = this.key(list);
    const { redis } = this.host;
    const done = keep === 0 ? redis.del(key) : redis.multi().rpush(key, item).ltrim(key, -keep, -1).exec();
    done.catch((error: unknown) => this.logger.warn({ err: this.host.loggable(error), list }, "an item could not be kept"));
  }

  async newest(list: string, count: number): Promise<readonly string[]> {
    if (count <= 0) return [];
    return this.host.call(() => this.host.redis.lrange(this.key(list), -count, -1));
  }

  private key(list: string): string {
    return `${this.host.prefix}list:${list}`;
  }
}

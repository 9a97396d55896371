import type Redis from "ioredis";
import { UnavailableError } from "../../core/errors";
import type { ListsPort } from "../../core/ports/lists.port";
import type { LoggerPort } from "../../core/ports/logger.port";

/**
 * The lists in the cluster's Redis (`<prefix>list:<name>`), shared by every
 * node: a node's restart loses none of them, and with Redis's own
 * persistence on (RDB or AOF), a Redis restart neither.
 */
export class RedisLists implements ListsPort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: LoggerPort,
    private readonly loggable: (error: unknown) => { message: string },
  ) {}

  push(list: string, item: string, keep: number): void {
    const key = this.key(list);
    this.redis
      .multi()
      .rpush(key, item)
      .ltrim(key, -Math.max(keep, 1), -1)
      .exec()
      .then(() => (keep === 0 ? this.redis.del(key) : undefined))
      .catch((error: unknown) => this.logger.warn({ err: this.loggable(error), list }, "an item could not be kept"));
  }

  async newest(list: string, count: number): Promise<readonly string[]> {
    if (count <= 0) return [];
    try {
      return await this.redis.lrange(this.key(list), -count, -1);
    } catch (error) {
      throw new UnavailableError(`the cluster (Redis) cannot be reached (${this.loggable(error).message})`);
    }
  }

  private key(list: string): string {
    return `${this.prefix}list:${list}`;
  }
}

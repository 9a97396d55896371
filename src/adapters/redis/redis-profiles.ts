import type { LoggerPort } from "../../core/ports/logger.port";
import type { Profile, ProfilesPort } from "../../core/ports/profiles.port";
import { nameKey } from "../../core/text";
import type { ListsHost } from "./redis-lists";

/**
 * The profiles of the cluster's users, in one Redis hash (`<prefix>profiles`,
 * by name key, each a JSON object): every node sees every user's. A
 * departure's script deletes its user's (see FORGET_USER), so that a node
 * that dies leaves none behind.
 */
export class RedisProfiles implements ProfilesPort {
  constructor(
    private readonly host: ListsHost,
    private readonly logger: LoggerPort,
  ) {}

  describe(username: string, profile: Profile): void {
    this.write(username, this.host.redis.hset(this.key, nameKey(username), JSON.stringify(profile)));
  }

  async profilesOf(usernames: readonly string[]): Promise<readonly (Profile | null)[]> {
    if (usernames.length === 0) return [];
    const { host } = this;
    const found = await host.call(() => host.redis.hmget(this.key, ...usernames.map(nameKey)));
    return found.map((json) => (json === null ? null : (JSON.parse(json) as Profile)));
  }

  forget(username: string): void {
    this.write(username, this.host.redis.hdel(this.key, nameKey(username)));
  }

  private get key(): string {
    return `${this.host.prefix}profiles`;
  }

  /** A profile not written is a WHOIS that shows less: logged, not thrown. */
  private write(username: string, done: Promise<unknown>): void {
    done.catch((error: unknown) => this.logger.warn({ err: this.host.loggable(error), user: username }, "a profile could not be written"));
  }
}

import type { LoggerPort } from "../../core/ports/logger.port";
import type { Profile, ProfilesPort } from "../../core/ports/profiles.port";
import { nameKey } from "../../core/text";
import type { ListsHost } from "./redis-lists";

/** What the profiles need of the node: its Redis, and whether it acts for the cluster (holds its names). */
export interface ProfilesHost extends ListsHost {
  acting(): boolean;
}

/**
 * The profiles of the cluster's users, in one Redis hash (`<prefix>profiles`,
 * by name key, each a JSON object): every node reads every user's. Only the
 * scripts that free or move a name delete or move its profile (so that a
 * node never deletes the profile of a name another node holds by then: a
 * node paused past its lease, say). This node keeps its own users' too,
 * and writes them again when it rejoins (a reap deleted them, or Redis
 * restarted empty); a node that does not act for the cluster writes none.
 */
export class RedisProfiles implements ProfilesPort {
  /** This node's users' profiles, by name key: what it writes again when it rejoins. */
  private readonly mine = new Map<string, Profile>();

  constructor(
    private readonly host: ProfilesHost,
    private readonly logger: LoggerPort,
  ) {}

  describe(username: string, profile: Profile): void {
    this.mine.set(nameKey(username), profile);
    if (!this.host.acting()) return;
    this.write(this.host.redis.hset(this.key, nameKey(username), JSON.stringify(profile)));
  }

  async profilesOf(usernames: readonly string[]): Promise<readonly (Profile | null)[]> {
    if (usernames.length === 0) return [];
    const { host } = this;
    const found = await host.call(() => host.redis.hmget(this.key, ...usernames.map(nameKey)));
    return found.map((json) => (json === null ? null : (JSON.parse(json) as Profile)));
  }

  /** The user left this node (or goes by another name): Redis's copy is the scripts' to delete or move. */
  forget(username: string): void {
    this.mine.delete(nameKey(username));
  }

  /** Writes this node's users' profiles again, as the node rejoins (not acting yet: straight to Redis; a failure fails the rejoin, which is tried again). */
  async restore(): Promise<void> {
    if (this.mine.size === 0) return;
    const entries = [...this.mine].flatMap(([key, profile]) => [key, JSON.stringify(profile)]);
    await this.host.redis.hset(this.key, ...entries);
  }

  private get key(): string {
    return `${this.host.prefix}profiles`;
  }

  /** A profile not written is a WHOIS that shows less: logged, not thrown. */
  private write(done: Promise<unknown>): void {
    done.catch((error: unknown) => this.logger.warn({ err: this.host.loggable(error) }, "a profile could not be written"));
  }
}

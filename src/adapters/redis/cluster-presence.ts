import { UnavailableError } from "../../core/errors";
import type { Outgoing } from "../../core/events";
import type { PresencePort } from "../../core/ports/presence.port";
import { nameKey } from "../../core/text";
import type { ScriptedRedis } from "./scripts";

/** What the names of a node need of the node: where it stands in the cluster. */
export interface PresenceHost {
  readonly redis: ScriptedRedis;
  readonly prefix: string;
  readonly nodeId: string;
  readonly maxlen: string;
  /** This process's claim on its node id (the scripts check it). */
  readonly token: string;
  /** Whether the node may act for the cluster now. */
  acting(): boolean;
  /** Whether the node has stopped: claims are no longer taken. */
  readonly stopped: boolean;
  /** Runs a command for a client; a failure to reach Redis becomes UnavailableError. */
  call<T>(command: () => Promise<T>): Promise<T>;
  /** This node's claim on its id lapsed: it is out of the cluster until it rejoins. */
  lost(why: string): void;
}

/** What the registry scripts answer to a process that does not hold its node's claim. */
export const NOT_HOLDING_CLAIM = -1;
export const UNREACHABLE = "the cluster (Redis) cannot be reached; delivered to this node's users only";

/**
 * Who is online, across nodes: names are claimed by a script, atomically (of
 * two nodes claiming one name at the same instant exactly one wins), and
 * freed by one that also announces the departure. Keeps the names held at
 * this node, with their login order, to put them back when the node
 * rejoins; and the names to free once Redis is back.
 */
export class ClusterPresence implements PresencePort {
  /** Names logged in at this node, by key, with their login sequence. */
  private readonly names = new Map<string, { readonly name: string; seq: number }>();
  /** Names to free once Redis is back: users who left meanwhile, and claims whose outcome was not heard. */
  private readonly waitingReleases = new Set<string>();

  constructor(private readonly host: PresenceHost) {}

  get size(): number {
    return this.names.size;
  }

  holds(username: string): boolean {
    return this.names.has(nameKey(username));
  }

  async claim(username: string): Promise<boolean> {
    const { host } = this;
    let seq: number;
    try {
      seq = await host.call(() => host.redis.chatClaim(host.prefix, host.nodeId, host.token, username, "login", 0));
    } catch (error) {
      // The claim may have happened without its reply reaching us: free it
      // later, unless a user here holds the name by then.
      if (!host.stopped) this.waitingReleases.add(username);
      throw error;
    }
    if (seq === NOT_HOLDING_CLAIM) {
      host.lost("this node's claim on its id lapsed");
      throw new UnavailableError(UNREACHABLE);
    }
    if (seq === 0) return false;
    if (host.stopped) {
      this.waitingReleases.add(username);
      return false;
    }
    this.names.set(nameKey(username), { name: username, seq });
    return true;
  }

  /** A release that has to wait for Redis (see releaseLater) is announced without the user's words. */
  release(username: string, message?: string): void {
    const { host } = this;
    this.names.delete(nameKey(username));
    if (!host.acting()) {
      this.waitingReleases.add(username);
      return;
    }
    this.free(username, message).then(
      (released) => {
        if (released !== NOT_HOLDING_CLAIM) return;
        this.waitingReleases.add(username);
        host.lost("this node's claim on its id lapsed");
      },
      () => this.waitingReleases.add(username),
    );
  }

  /** One script (RENAME) claims the new name, frees the old one and puts the announcement on the bus. */
  async rename(from: string, to: string, announcement: Outgoing): Promise<boolean> {
    const { host } = this;
    let seq: number;
    try {
      seq = await host.call(() => host.redis.chatRename(host.prefix, host.nodeId, host.token, from, to, host.maxlen, JSON.stringify(announcement.event)));
    } catch (error) {
      // The rename may have happened without its reply reaching us: the node
      // goes out of the cluster, and its rejoin claims the old name again
      // (its user still goes by it) and frees the new one, unless a user here
      // holds it by then.
      if (!host.stopped) {
        this.waitingReleases.add(to);
        host.lost("a rename's reply was lost: whether the name moved is not known");
      }
      throw error;
    }
    if (seq === NOT_HOLDING_CLAIM) {
      host.lost("this node's claim on its id lapsed");
      throw new UnavailableError(UNREACHABLE);
    }
    if (seq === 0) return false;
    this.names.delete(nameKey(from));
    this.names.set(nameKey(to), { name: to, seq });
    return true;
  }

  list(): Promise<readonly string[]> {
    const { host } = this;
    return host.call(() => host.redis.zrange(`${host.prefix}logins`, 0, -1));
  }

  /** One read of the names as they are shown, by key (the `shown` hash): whatever the number of users. */
  async find(usernames: readonly string[]): Promise<readonly string[]> {
    if (usernames.length === 0) return [];
    const { host } = this;
    const shown = await host.call(() => host.redis.hmget(`${host.prefix}shown`, ...usernames.map(nameKey)));
    return shown.filter((name): name is string => name !== null);
  }

  /** The login sequence of a name held here. */
  seqOf(username: string): number | undefined {
    return this.names.get(nameKey(username))?.seq;
  }

  /** The name moved to another node (its session resumed there): it is that node's to free. */
  moveOut(username: string): void {
    this.names.delete(nameKey(username));
  }

  /** A name moved here from another node, with its login sequence. */
  moveIn(username: string, seq: number): void {
    this.names.set(nameKey(username), { name: username, seq });
  }

  /** Frees the name once Redis can be reached (unless a user here holds it by then). */
  releaseLater(username: string): void {
    this.waitingReleases.add(username);
  }

  /** Frees the names waiting for it, but for any a user here holds by now. */
  async releaseWaiting(): Promise<void> {
    for (const name of [...this.waitingReleases]) {
      if (!this.names.has(nameKey(name)) && (await this.free(name)) === NOT_HOLDING_CLAIM) throw new Error("this node's claim on its id lapsed");
      this.waitingReleases.delete(name);
    }
  }

  /**
   * Puts this node's names back in the registry when it rejoins, keeping
   * their login order; `taken` is told of each name another node took
   * meanwhile (its user here must go).
   */
  async reclaim(taken: (username: string) => void): Promise<void> {
    const { host } = this;
    for (const [key, entry] of this.names) {
      const seq = await host.redis.chatClaim(host.prefix, host.nodeId, host.token, entry.name, "reclaim", entry.seq);
      if (seq === NOT_HOLDING_CLAIM) throw new Error("this node's claim on its id lapsed");
      if (seq > 0) {
        entry.seq = seq;
        continue;
      }
      this.names.delete(key);
      taken(entry.name);
    }
  }

  /** At stop: every name held here is freed (its users have left already). */
  async releaseAll(): Promise<void> {
    await Promise.allSettled([...this.names.values()].map(({ name }) => this.free(name)));
  }

  /** The registry's RELEASE of a name this node holds (see scripts.ts): its departure on the bus, with the user's words on leaving (the entry's payload). */
  private free(username: string, message = ""): Promise<number> {
    const { host } = this;
    return host.redis.chatRelease(host.prefix, host.nodeId, host.token, username, host.maxlen, message);
  }
}

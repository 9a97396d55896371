import type { PresencePort } from "../../core/ports/presence.port";
import { nameKey } from "../../core/text";
import { replaceInOrder } from "./in-order";

/** Usernames held in this process: a single server is its own registry. */
export class InProcessPresence implements PresencePort {
  /** Name as typed, by its case-folded key; a Map keeps login order. */
  private readonly names = new Map<string, string>();

  claim(username: string): Promise<boolean> {
    const key = nameKey(username);
    if (this.names.has(key)) return Promise.resolve(false);
    this.names.set(key, username);
    return Promise.resolve(true);
  }

  release(username: string): void {
    this.names.delete(nameKey(username));
  }

  /** A single server tells its users itself (see DeliveryPort.rename): the announcement is not this registry's to send. */
  rename(from: string, to: string): Promise<boolean> {
    const fromKey = nameKey(from);
    const toKey = nameKey(to);
    if (!this.names.has(fromKey) || (toKey !== fromKey && this.names.has(toKey))) return Promise.resolve(false);
    replaceInOrder(this.names, fromKey, toKey, to);
    return Promise.resolve(true);
  }

  list(): Promise<readonly string[]> {
    return Promise.resolve([...this.names.values()]);
  }

  find(usernames: readonly string[]): Promise<readonly string[]> {
    return Promise.resolve(usernames.map((name) => this.names.get(nameKey(name))).filter((name) => name !== undefined));
  }
}

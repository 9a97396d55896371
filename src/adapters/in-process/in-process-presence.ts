import type { PresencePort } from "../../core/ports/presence.port";
import { nameKey } from "../../core/text";

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

  list(): Promise<readonly string[]> {
    return Promise.resolve([...this.names.values()]);
  }

  find(usernames: readonly string[]): Promise<readonly string[]> {
    return Promise.resolve(usernames.map((name) => this.names.get(nameKey(name))).filter((name) => name !== undefined));
  }
}

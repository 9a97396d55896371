import type { DeliveryPort, GroupInfo, Recipient } from "../../core/ports/delivery.port";
import { nameKey } from "../../core/protocol/text";

interface Member {
  readonly username: string;
  readonly recipient: Recipient;
}

interface Group {
  readonly name: string;
  /** Members by username key. */
  readonly members: Map<string, Member>;
}

/** Delivery within this process: every recipient is a local session. */
export class InProcessDelivery implements DeliveryPort {
  private readonly byName = new Map<string, Recipient>();
  /** Groups by name key. */
  private readonly groupsByKey = new Map<string, Group>();

  attach(username: string, recipient: Recipient): void {
    this.byName.set(nameKey(username), recipient);
  }

  detach(username: string, recipient: Recipient): void {
    const key = nameKey(username);
    if (this.byName.get(key) !== recipient) return;
    this.byName.delete(key);
    for (const [groupKey, group] of this.groupsByKey) {
      if (group.members.delete(key) && group.members.size === 0) this.groupsByKey.delete(groupKey);
    }
  }

  broadcast(line: Uint8Array, except?: Recipient, lines = 1): void {
    for (const recipient of this.byName.values()) {
      if (recipient !== except) recipient.deliver(line, lines);
    }
  }

  announceDepartures(usernames: readonly string[], lines: Uint8Array): void {
    this.broadcast(lines, undefined, usernames.length);
  }

  /** One process has no other nodes to hear departures from. */
  setDepartureLines(): void {}

  sendTo(username: string, line: Uint8Array): Promise<boolean> {
    const recipient = this.byName.get(nameKey(username));
    recipient?.deliver(line);
    return Promise.resolve(recipient !== undefined);
  }

  joinGroup(group: string, username: string, recipient: Recipient): Promise<boolean> {
    const key = nameKey(group);
    let found = this.groupsByKey.get(key);
    if (found === undefined) {
      found = { name: group, members: new Map() };
      this.groupsByKey.set(key, found);
    }
    const member = nameKey(username);
    if (found.members.has(member)) return Promise.resolve(false);
    found.members.set(member, { username, recipient });
    return Promise.resolve(true);
  }

  leaveGroup(group: string, username: string): Promise<boolean> {
    const key = nameKey(group);
    const found = this.groupsByKey.get(key);
    const left = found?.members.delete(nameKey(username)) ?? false;
    if (found !== undefined && found.members.size === 0) this.groupsByKey.delete(key);
    return Promise.resolve(left);
  }

  isInGroup(group: string, username: string): boolean {
    return this.groupsByKey.get(nameKey(group))?.members.has(nameKey(username)) ?? false;
  }

  sendToGroup(group: string, line: Uint8Array, except?: Recipient): void {
    const found = this.groupsByKey.get(nameKey(group));
    if (found === undefined) return;
    for (const { recipient } of found.members.values()) {
      if (recipient !== except) recipient.deliver(line);
    }
  }

  /** Every membership here, as group name and username. */
  *memberships(): Iterable<readonly [group: string, username: string]> {
    for (const { name, members } of this.groupsByKey.values()) {
      for (const { username } of members.values()) yield [name, username];
    }
  }

  /** The recipient logged in here under this name, if any. */
  recipient(username: string): Recipient | undefined {
    return this.byName.get(nameKey(username));
  }

  groups(): Promise<readonly GroupInfo[]> {
    const summaries = [...this.groupsByKey.values()].map(({ name, members }) => ({ name, members: members.size }));
    return Promise.resolve(summaries.sort((a, b) => (nameKey(a.name) < nameKey(b.name) ? -1 : 1)));
  }
}

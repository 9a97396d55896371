import type { Outgoing } from "../../core/events";
import type { DeliveryPort, GroupInfo, Recipient } from "../../core/ports/delivery.port";
import { nameKey } from "../../core/protocol/text";

interface Member {
  readonly username: string;
  readonly recipient: Recipient;
}

interface Group {
  readonly name: string;
  /** Members by username key, in the order they joined. */
  readonly members: Map<string, Member>;
}

/** Delivery within this process: every recipient is a local session. */
export class InProcessDelivery implements DeliveryPort {
  private readonly byName = new Map<string, Recipient>();
  /** Those who want to hear of logins (IRC users, say): most do not, and a login costs nothing for them. */
  private readonly loginWatchers = new Set<Recipient>();
  /** Groups by name key. */
  private readonly groupsByKey = new Map<string, Group>();

  /** Attaching a second recipient under a name (a resumed session) takes the first one's place, in its groups too. */
  attach(username: string, recipient: Recipient): void {
    const key = nameKey(username);
    const before = this.byName.get(key);
    this.byName.set(key, recipient);
    if (before !== undefined && before !== recipient) {
      this.loginWatchers.delete(before);
      for (const { members } of this.groupsByKey.values()) {
        const member = members.get(key);
        if (member?.recipient === before) members.set(key, { username: member.username, recipient });
      }
    }
    if (recipient.wantsLogins) this.loginWatchers.add(recipient);
  }

  detach(username: string, recipient: Recipient): void {
    const key = nameKey(username);
    if (this.byName.get(key) !== recipient) return;
    this.byName.delete(key);
    this.loginWatchers.delete(recipient);
    for (const [groupKey, group] of this.groupsByKey) {
      if (group.members.delete(key) && group.members.size === 0) this.groupsByKey.delete(groupKey);
    }
  }

  broadcast(event: Outgoing, except?: Recipient): void {
    for (const recipient of this.byName.values()) {
      if (recipient !== except) recipient.deliver(event);
    }
  }

  announceLogin(event: Outgoing, except?: Recipient): void {
    for (const recipient of this.loginWatchers) {
      if (recipient !== except) recipient.deliver(event);
    }
  }

  announceDepartures(event: Outgoing): void {
    this.broadcast(event);
  }

  sendTo(username: string, event: Outgoing): Promise<boolean> {
    const recipient = this.byName.get(nameKey(username));
    recipient?.deliver(event);
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

  sendToGroup(group: string, event: Outgoing, except?: Recipient): void {
    const found = this.groupsByKey.get(nameKey(group));
    if (found === undefined) return;
    for (const { recipient } of found.members.values()) {
      if (recipient !== except) recipient.deliver(event);
    }
  }

  members(group: string): Promise<readonly string[]> {
    return Promise.resolve([...(this.groupsByKey.get(nameKey(group))?.members.values() ?? [])].map(({ username }) => username));
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

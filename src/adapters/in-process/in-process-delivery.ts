import type { Outgoing } from "../../core/events";
import type { DeliveryPort, GroupInfo, Recipient } from "../../core/ports/delivery.port";
import { nameKey } from "../../core/text";
import { replaceInOrder } from "./in-order";

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
  /** The keys of the groups each user is in, by username key: leaving touches only the user's own groups. */
  private readonly groupsByMember = new Map<string, Set<string>>();

  /** Attaching a second recipient under a name (a resumed session) takes the first one's place, in its groups too. */
  attach(username: string, recipient: Recipient): void {
    const key = nameKey(username);
    const before = this.byName.get(key);
    this.byName.set(key, recipient);
    if (before !== undefined && before !== recipient) {
      this.loginWatchers.delete(before);
      for (const groupKey of this.groupsByMember.get(key) ?? []) {
        const { members } = this.groupsByKey.get(groupKey)!;
        const member = members.get(key)!;
        if (member.recipient === before) members.set(key, { username: member.username, recipient });
      }
    }
    if (recipient.wantsLogins) this.loginWatchers.add(recipient);
  }

  detach(username: string, recipient: Recipient): void {
    const key = nameKey(username);
    if (this.byName.get(key) !== recipient) return;
    this.byName.delete(key);
    this.loginWatchers.delete(recipient);
    for (const groupKey of this.groupsByMember.get(key) ?? []) this.removeMember(groupKey, key);
    this.groupsByMember.delete(key);
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

  /** The user keeps its place in each of its groups' order of joining. */
  rename(from: string, to: string, recipient: Recipient, event: Outgoing): void {
    const fromKey = nameKey(from);
    const toKey = nameKey(to);
    this.byName.delete(fromKey);
    this.byName.set(toKey, recipient);
    const joined = this.groupsByMember.get(fromKey);
    if (joined !== undefined) {
      this.groupsByMember.delete(fromKey);
      this.groupsByMember.set(toKey, joined);
      for (const groupKey of joined) replaceInOrder(this.groupsByKey.get(groupKey)!.members, fromKey, toKey, { username: to, recipient });
    }
    this.broadcast(event, recipient);
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
    let joined = this.groupsByMember.get(member);
    if (joined === undefined) this.groupsByMember.set(member, (joined = new Set()));
    joined.add(key);
    return Promise.resolve(true);
  }

  leaveGroup(group: string, username: string): Promise<boolean> {
    const key = nameKey(group);
    const member = nameKey(username);
    const joined = this.groupsByMember.get(member);
    if (joined?.delete(key) !== true) return Promise.resolve(false);
    if (joined.size === 0) this.groupsByMember.delete(member);
    this.removeMember(key, member);
    return Promise.resolve(true);
  }

  /** Takes a member out of a group, and the group away once empty (the member's own index is the caller's). */
  private removeMember(groupKey: string, member: string): void {
    const group = this.groupsByKey.get(groupKey)!;
    group.members.delete(member);
    if (group.members.size === 0) this.groupsByKey.delete(groupKey);
  }

  groupsOf(username: string): number {
    return this.groupsByMember.get(nameKey(username))?.size ?? 0;
  }

  groupNamesOf(username: string): Promise<readonly string[]> {
    const keys = this.groupsByMember.get(nameKey(username)) ?? [];
    return Promise.resolve([...keys].map((key) => this.groupsByKey.get(key)!.name));
  }

  groupsHere(): number {
    return this.groupsByKey.size;
  }

  hasGroupHere(group: string): boolean {
    return this.groupsByKey.has(nameKey(group));
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

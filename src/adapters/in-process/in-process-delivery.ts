import { Outgoing, type GroupModeChange } from "../../core/events";
import type { DeliveryPort, GroupInfo, GroupRoster, Membership, ModeResult, Recipient } from "../../core/ports/delivery.port";
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
  /**
   * The keys of the members who are its operators. In a cluster, where this
   * node's groups hold its own users only, the registry's are the group's
   * (ClusterDelivery reads them there), and these are not read.
   */
  readonly operators: Set<string>;
  /** Listed only to its members. */
  secret: boolean;
}

const NOBODY: GroupRoster = Object.freeze({ members: Object.freeze([]), operators: Object.freeze([]), secret: false });

/** Delivery within this process: every recipient is a local session. */
export class InProcessDelivery implements DeliveryPort {
  private readonly byName = new Map<string, Recipient>();
  /** Those who want to hear of logins (IRC users, say): most do not, and a login costs nothing for them. */
  private readonly loginWatchers = new Set<Recipient>();
  /** Who ends this node's sessions of an account signed out everywhere. */
  private signOutListener: (account: string) => void = () => undefined;
  /** Groups by name key. */
  private readonly groupsByKey = new Map<string, Group>();
  /** The keys of the groups each user is in, by username key: leaving touches only the user's own groups. */
  private readonly groupsByMember = new Map<string, Set<string>>();

  signOut(account: string): void {
    this.signOutListener(account);
  }

  onSignOut(listener: (account: string) => void): void {
    this.signOutListener = listener;
  }

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
    const { type } = event.event;
    if (type === "renamed" || type === "departure") return this.broadcastAbout(event, except);
    for (const recipient of this.byName.values()) {
      if (recipient !== except && recipient.hearsEveryone) recipient.deliver(event);
    }
  }

  /** A rename or departure: to everyone who hears everyone, and to those who do not as tellOutsiders says; one pass over the users. */
  private broadcastAbout(event: Outgoing, except: Recipient | undefined): void {
    let outsiders: [string, Recipient][] | null = null;
    for (const entry of this.byName) {
      const recipient = entry[1];
      if (recipient === except) continue;
      if (recipient.hearsEveryone) recipient.deliver(event);
      else (outsiders ??= []).push(entry);
    }
    if (outsiders !== null) this.tellOutsiders(event, outsiders);
  }

  announceLogin(event: Outgoing, except?: Recipient): void {
    for (const recipient of this.loginWatchers) {
      if (recipient !== except && recipient.hearsEveryone) recipient.deliver(event);
    }
  }

  /**
   * A rename or departure, to `outsiders` (those here who do not hear
   * everyone: see Recipient.hearsEveryone) who share a group with its users: of a
   * departure of several, only those users, in an event of their own (the
   * others share one rendering). Found from each one's own groups, so that
   * a mass departure costs in proportion to the users and their groups.
   */
  private tellOutsiders(outgoing: Outgoing, outsiders: readonly (readonly [string, Recipient])[]): void {
    const { event } = outgoing;
    const gone: readonly { readonly rooms?: readonly string[] }[] = event.type === "departure" ? event.users : event.type === "renamed" ? [event] : [];
    // Which of them each group had, by group key.
    const inGroup = new Map<string, number[]>();
    gone.forEach(({ rooms }, at) => {
      for (const room of rooms ?? []) {
        const key = nameKey(room);
        const found = inGroup.get(key);
        if (found === undefined) inGroup.set(key, [at]);
        else found.push(at);
      }
    });
    if (inGroup.size === 0) return;
    for (const [member, recipient] of outsiders) {
      const shared = new Set<number>();
      for (const groupKey of this.groupsByMember.get(member) ?? []) for (const at of inGroup.get(groupKey) ?? []) shared.add(at);
      if (shared.size === 0) continue;
      if (shared.size === gone.length || event.type !== "departure") recipient.deliver(outgoing);
      else recipient.deliver(new Outgoing({ ...event, users: event.users.filter((_, at) => shared.has(at)) }));
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
      for (const groupKey of joined) {
        const group = this.groupsByKey.get(groupKey)!;
        replaceInOrder(group.members, fromKey, toKey, { username: to, recipient });
        if (group.operators.delete(fromKey)) group.operators.add(toKey);
      }
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
      found = { name: group, members: new Map(), operators: new Set(), secret: false };
      this.groupsByKey.set(key, found);
    }
    const member = nameKey(username);
    if (found.members.has(member)) return Promise.resolve(false);
    found.members.set(member, { username, recipient });
    // Whoever makes the group runs it.
    if (found.members.size === 1) found.operators.add(member);
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

  /** Takes a member out of a group, an operator no longer, and the group away once empty, its modes with it (the member's own index is the caller's). */
  private removeMember(groupKey: string, member: string): void {
    const group = this.groupsByKey.get(groupKey)!;
    group.members.delete(member);
    group.operators.delete(member);
    if (group.members.size === 0) this.groupsByKey.delete(groupKey);
  }

  changeMode(group: string, by: string, change: GroupModeChange): Promise<ModeResult> {
    return Promise.resolve(this.modeChanged(group, by, change));
  }

  private modeChanged(group: string, by: string, change: GroupModeChange): ModeResult {
    const found = this.groupsByKey.get(nameKey(group));
    if (found === undefined || !found.operators.has(nameKey(by))) return { status: "not-operator" };
    if (change.mode === "secret") {
      if (found.secret === change.on) return { status: "unchanged" };
      found.secret = change.on;
      return { status: "changed", change };
    }
    const key = nameKey(change.user);
    const member = found.members.get(key);
    if (member === undefined) return { status: "not-member" };
    if (found.operators.has(key) === change.on) return { status: "unchanged" };
    if (change.on) found.operators.add(key);
    else found.operators.delete(key);
    return { status: "changed", change: { mode: "operator", user: member.username, on: change.on } };
  }

  groupsOf(username: string): number {
    return this.groupsByMember.get(nameKey(username))?.size ?? 0;
  }

  groupNamesHere(username: string): readonly string[] {
    return [...(this.groupsByMember.get(nameKey(username)) ?? [])].map((key) => this.groupsByKey.get(key)!.name);
  }

  membershipsOf(username: string): Promise<readonly Membership[]> {
    const member = nameKey(username);
    const keys = this.groupsByMember.get(member) ?? [];
    return Promise.resolve(
      [...keys].map((key) => {
        const { name, operators, secret } = this.groupsByKey.get(key)!;
        return { group: name, operator: operators.has(member), secret };
      }),
    );
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

  roster(group: string): Promise<GroupRoster> {
    const found = this.groupsByKey.get(nameKey(group));
    if (found === undefined) return Promise.resolve(NOBODY);
    const { members, operators, secret } = found;
    return Promise.resolve({
      members: [...members.values()].map(({ username }) => username),
      operators: [...operators].map((key) => members.get(key)!.username),
      secret,
    });
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
    const summaries = [...this.groupsByKey.values()].map(({ name, members, secret }) => ({ name, members: members.size, secret }));
    return Promise.resolve(summaries.sort((a, b) => (nameKey(a.name) < nameKey(b.name) ? -1 : 1)));
  }
}

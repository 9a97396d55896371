import type { GroupModeChange, Outgoing } from "../events";

/** Someone events can be delivered to: a logged-in session on this node. */
export interface Recipient {
  /** Queues an event for this user, rendered in its connection's protocol (not at all, if that protocol does not show it). */
  deliver(event: Outgoing): void;
  /** Whether logins are shown to it (its protocol shows them): only then is it sent them. */
  readonly wantsLogins: boolean;
  /**
   * Whether it hears what goes to everyone: messages, notices and plugins'
   * events to everyone, logins, and every rename and departure. One that
   * does not (an IRC user out of the lobby) is sent, of those, only the
   * renames and departures of users it shares a group with (see
   * Departed.rooms); it may change at any time, and is read at each delivery.
   */
  readonly hearsEveryone: boolean;
  /**
   * The adapter lost this user's registration (another node holds the name
   * now): the session is told `username-taken` and ends.
   */
  evict(): void;
}

/** A group and its size, as listed. */
export interface GroupInfo {
  /** The name as it was first joined. */
  readonly name: string;
  readonly members: number;
  /** Listed only to its members (see GroupModeChange); the delivery ports always say, a plugin's own listing may not. */
  readonly secret?: boolean;
}

/** A group's members, those of them who are its operators, and whether it is secret. */
export interface GroupRoster {
  /** In no promised order (the order they joined, on one server). */
  readonly members: readonly string[];
  /** Members who may change the group's modes, in no promised order. */
  readonly operators: readonly string[];
  readonly secret: boolean;
}

/** A group a user is in, as its WHOIS shows it. */
export interface Membership {
  /** The group's name as it was first joined. */
  readonly group: string;
  /** The user is one of its operators. */
  readonly operator: boolean;
  readonly secret: boolean;
}

/**
 * What became of a change to a group's modes: made (as made: the user named
 * as the group shows it), already so, or refused: the one asking is not one
 * of its operators (or the group has no members), or the user to make an
 * operator (or not) is not a member.
 */
export type ModeResult =
  | { readonly status: "changed"; readonly change: GroupModeChange }
  | { readonly status: "unchanged" | "not-operator" | "not-member" };

/**
 * Who gets an event. The core hands over events, usernames and group names;
 * the adapter finds the recipients, on this node or on others. Usernames
 * and group names are compared ignoring ASCII case. An adapter that cannot
 * reach the other nodes delivers to this node's users and then throws
 * UnavailableError (from broadcast, sendToGroup) or rejects with it.
 */
export interface DeliveryPort {
  /**
   * Makes a logged-in user reachable by broadcasts and by name; attached
   * again with another recipient (a resumed session), that one takes the
   * first one's place, in the user's groups too.
   */
  attach(username: string, recipient: Recipient): void;
  /** Stops delivering to `recipient`, in groups too (it is no longer their operator); detaching one not attached does nothing. */
  detach(username: string, recipient: Recipient): void;
  /** Delivers to every attached recipient that hears everyone but `except` (a rename or departure, also to those outside who share a group with its users: see Recipient.hearsEveryone). */
  broadcast(event: Outgoing, except?: Recipient): void;
  /** A user logged in: tells those who want to know and hear everyone (every node's), but `except`. */
  announceLogin(event: Outgoing, except?: Recipient): void;
  /** The account is signed out everywhere: every node's listener (onSignOut) is told, this one's at once. */
  signOut(account: string): void;
  /** Who ends a node's sessions of an account signed out everywhere (the room). */
  onSignOut(listener: (account: string) => void): void;
  /**
   * Tells this node's users that users left (a departure event). The other
   * nodes learn it from the presence registry, when the names are released.
   */
  announceDepartures(event: Outgoing): void;
  /**
   * A user of this node goes by another name (claimed already: see
   * PresencePort.rename): reachable by it only, in its groups too. This
   * node's users but `recipient` are told (`event`); the other nodes learn
   * it from the presence registry. It stays an operator of the groups it was one of.
   */
  rename(from: string, to: string, recipient: Recipient, event: Outgoing): void;
  /** Delivers to the user named; false if not online. */
  sendTo(username: string, event: Outgoing): Promise<boolean>;
  /**
   * Adds an attached user to a group (made when first joined: its first
   * member is its operator); false if a member already.
   */
  joinGroup(group: string, username: string, recipient: Recipient): Promise<boolean>;
  /** Takes a user out of a group, and its operator status with it (the group is gone when empty, its modes too); false if not a member. */
  leaveGroup(group: string, username: string): Promise<boolean>;
  /** Changes a group's modes on behalf of `by`, who must be one of its operators (checked in the same step as the change). */
  changeMode(group: string, by: string, change: GroupModeChange): Promise<ModeResult>;
  isInGroup(group: string, username: string): boolean;
  /** How many groups a user of this node is in. */
  groupsOf(username: string): number;
  /** The groups a user of this node is in, by name, from this node's memory (none for another node's user): what its rename and departure name. */
  groupNamesHere(username: string): readonly string[];
  /** The groups a user (of any node) is in, in no order, with whether it is their operator. */
  membershipsOf(username: string): Promise<readonly Membership[]>;
  /** Groups with members on this node: what the node's memory holds for groups. */
  groupsHere(): number;
  /** Whether the group has members on this node. */
  hasGroupHere(group: string): boolean;
  /** Delivers to every member of the group but `except`. */
  sendToGroup(group: string, event: Outgoing, except?: Recipient): void;
  /** The groups with members, sorted by name, the secret ones too. */
  groups(): Promise<readonly GroupInfo[]>;
  /** The members of a group, on every node, with its operators and modes (none for a group nobody is in). */
  roster(group: string): Promise<GroupRoster>;
}

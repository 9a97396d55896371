import type { Outgoing } from "../events";

/** Someone events can be delivered to: a logged-in session on this node. */
export interface Recipient {
  /** Queues an event for this user, rendered in its connection's protocol (not at all, if that protocol does not show it). */
  deliver(event: Outgoing): void;
  /** Whether logins are shown to it (its protocol shows them): only then is it sent them. */
  readonly wantsLogins: boolean;
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
}

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
  /** Stops delivering to `recipient`, in groups too; detaching one not attached does nothing. */
  detach(username: string, recipient: Recipient): void;
  /** Delivers to every attached recipient but `except`. */
  broadcast(event: Outgoing, except?: Recipient): void;
  /** A user logged in: tells those who want to know (every node's), but `except`. */
  announceLogin(event: Outgoing, except?: Recipient): void;
  /**
   * Tells this node's users that users left (a departure event). The other
   * nodes learn it from the presence registry, when the names are released.
   */
  announceDepartures(event: Outgoing): void;
  /**
   * A user of this node goes by another name (claimed already: see
   * PresencePort.rename): reachable by it only, in its groups too. This
   * node's users but `recipient` are told (`event`); the other nodes learn
   * it from the presence registry.
   */
  rename(from: string, to: string, recipient: Recipient, event: Outgoing): void;
  /** Delivers to the user named; false if not online. */
  sendTo(username: string, event: Outgoing): Promise<boolean>;
  /** Adds an attached user to a group (made when first joined); false if a member already. */
  joinGroup(group: string, username: string, recipient: Recipient): Promise<boolean>;
  /** Takes a user out of a group (gone when empty); false if not a member. */
  leaveGroup(group: string, username: string): Promise<boolean>;
  isInGroup(group: string, username: string): boolean;
  /** How many groups a user of this node is in. */
  groupsOf(username: string): number;
  /** The groups a user (of any node) is in, by name, in no order. */
  groupNamesOf(username: string): Promise<readonly string[]>;
  /** Groups with members on this node: what the node's memory holds for groups. */
  groupsHere(): number;
  /** Whether the group has members on this node. */
  hasGroupHere(group: string): boolean;
  /** Delivers to every member of the group but `except`. */
  sendToGroup(group: string, event: Outgoing, except?: Recipient): void;
  /** The groups with members, sorted by name. */
  groups(): Promise<readonly GroupInfo[]>;
  /** The members of a group, on every node. */
  members(group: string): Promise<readonly string[]>;
}

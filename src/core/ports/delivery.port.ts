/** Someone lines can be delivered to: a logged-in session on this node. */
export interface Recipient {
  /** Queues encoded lines (with their line endings): one, or `lines` of them. */
  deliver(line: Uint8Array, lines?: number): void;
  /**
   * The adapter lost this user's registration (another node holds the name
   * now): the session sends `farewell` and ends.
   */
  evict(farewell: string): void;
}

/** A group and its size, as listed. */
export interface GroupInfo {
  /** The name as it was first joined. */
  readonly name: string;
  readonly members: number;
}

/**
 * Who gets a line. The core hands over encoded lines, usernames and group
 * names; the adapter finds the recipients, on this node or on others.
 * Usernames and group names are compared ignoring ASCII case. An adapter
 * that cannot reach the other nodes delivers to this node's users and then
 * throws UnavailableError (from broadcast, sendToGroup) or rejects with it.
 */
export interface DeliveryPort {
  /** Makes a logged-in user reachable by broadcasts and by name. */
  attach(username: string, recipient: Recipient): void;
  /** Stops delivering to `recipient`, in groups too; detaching one not attached does nothing. */
  detach(username: string, recipient: Recipient): void;
  /** Delivers `line` to every attached recipient but `except`. */
  broadcast(line: Uint8Array, except?: Recipient): void;
  /**
   * Tells this node's users that these users left: `lines` holds a line for
   * each. The other nodes learn it from the presence registry, when the
   * names are released.
   */
  announceDepartures(usernames: readonly string[], lines: Uint8Array): void;
  /**
   * How a departure is told: a clustered adapter hears of users leaving on
   * other nodes (or with a node that died) and tells this node's users so.
   */
  setDepartureLines(format: (usernames: readonly string[]) => Uint8Array): void;
  /** Delivers `line` to the user named; false if not online. */
  sendTo(username: string, line: Uint8Array): Promise<boolean>;
  /** Adds an attached user to a group (made when first joined); false if a member already. */
  joinGroup(group: string, username: string, recipient: Recipient): Promise<boolean>;
  /** Takes a user out of a group (gone when empty); false if not a member. */
  leaveGroup(group: string, username: string): Promise<boolean>;
  isInGroup(group: string, username: string): boolean;
  /** Delivers `line` to every member of the group but `except`. */
  sendToGroup(group: string, line: Uint8Array, except?: Recipient): void;
  /** The groups with members, sorted by name. */
  groups(): Promise<readonly GroupInfo[]>;
}

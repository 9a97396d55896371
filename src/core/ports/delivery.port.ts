/** Someone lines can be delivered to: a logged-in session on this node. */
export interface Recipient {
  /** Queues an encoded line (with its line ending). */
  deliver(line: Uint8Array): void;
}

/**
 * Who gets a line. The core hands over encoded lines and usernames; the
 * adapter finds the recipients, on this node or on others.
 */
export interface DeliveryPort {
  /** Makes a logged-in user reachable by broadcasts and by name. */
  attach(username: string, recipient: Recipient): void;
  /** Stops delivering to `recipient`; detaching one not attached does nothing. */
  detach(username: string, recipient: Recipient): void;
  /** Delivers `line` to every attached recipient but `except`. */
  broadcast(line: Uint8Array, except?: Recipient): void;
  /** Delivers `line` to the user named (ignoring case); false if not online. */
  sendTo(username: string, line: Uint8Array): Promise<boolean>;
}

import type { Outgoing } from "../events";

/**
 * Who is online: the registry of usernames. Names are unique ignoring
 * case. In-process today; a clustered adapter can hold them elsewhere.
 */
export interface PresencePort {
  /** Claims `username`; resolves false when someone holds it already. */
  claim(username: string): Promise<boolean>;
  /**
   * Frees a name claimed before. A registry shared with other nodes also
   * tells them that the user left (and never frees a name without telling),
   * with its words on leaving (`message`) if it gave some.
   */
  release(username: string, message?: string): void;
  /**
   * Gives the holder of `from` the name `to` instead, in the place `from`
   * had in the login order; resolves false when another user holds `to`
   * (case ignored: `to` may be `from` in other letter cases). A registry
   * shared with other nodes tells them (`announcement`, the event as their
   * users are to see it) in the same step, so that no name changes hands
   * without everyone being told.
   */
  rename(from: string, to: string, announcement: Outgoing): Promise<boolean>;
  /** Every online username, in login order. */
  list(): Promise<readonly string[]>;
  /**
   * Those of `usernames` that are online (case ignored), as their users
   * wrote them, in the order asked: looked up one by one, at a cost that
   * does not grow with the number of users.
   */
  find(usernames: readonly string[]): Promise<readonly string[]>;
}

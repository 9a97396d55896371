/**
 * Who is online: the registry of usernames. Names are unique ignoring
 * case. In-process today; a clustered adapter can hold them elsewhere.
 */
export interface PresencePort {
  /** Claims `username`; resolves false when someone holds it already. */
  claim(username: string): Promise<boolean>;
  /**
   * Frees a name claimed before. A registry shared with other nodes also
   * tells them that the user left (and never frees a name without telling).
   */
  release(username: string): void;
  /** Every online username, in login order. */
  list(): Promise<readonly string[]>;
  /**
   * Those of `usernames` that are online (case ignored), as their users
   * wrote them, in the order asked: looked up one by one, at a cost that
   * does not grow with the number of users.
   */
  find(usernames: readonly string[]): Promise<readonly string[]>;
}

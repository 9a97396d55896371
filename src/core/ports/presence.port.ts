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
}

/**
 * Who is online: the registry of usernames. Names are unique ignoring
 * case. In-process today; a clustered adapter can hold them elsewhere.
 */
export interface PresencePort {
  /** Claims `username`; resolves false when someone holds it already. */
  claim(username: string): Promise<boolean>;
  /** Frees a name claimed before. */
  release(username: string): void;
  /** Every online username, in login order. */
  list(): Promise<readonly string[]>;
  /**
   * Hears of users the registry let go without this node's sessions knowing:
   * those of another node that died. Each is to be announced as gone.
   */
  onDeparted(listener: (username: string) => void): void;
}

/**
 * What others may see of an online user beside its name (IRC's WHOIS and
 * WHO show it): recorded when it logs in, its away message as it changes,
 * and when it last spoke.
 */
export interface Profile {
  /** When it logged in: epoch milliseconds (the wall clock of its node). */
  readonly since: number;
  /** Whether its connection is encrypted (TLS, or HTTPS for the web doors). */
  readonly secure: boolean;
  /** What its client calls it beside its name (IRC's realname); none from the other doors. */
  readonly realname?: string;
  /** The user name its client gave (IRC's USER, the "ident"); none from the other doors. */
  readonly ident?: string;
  /** Its away message, while it is away. */
  readonly away?: string;
  /** It does not hear what goes to everyone (an IRC user out of the lobby: see Recipient.hearsEveryone), so it is not counted among those who do. */
  readonly outside?: true;
  /** It is listed by pattern only to those who share a group with it (IRC's user mode `i`: WHO by mask), and counted as invisible. */
  readonly invisible?: true;
  /** The account it is signed in to (its name as registered); none for a guest. */
  readonly account?: string;
  /** It is a server operator (IRC's OPER, by an account whose role is `operator`). */
  readonly operator?: true;
  /** When it last sent a message (epoch milliseconds), as far as the registry was told: written at most once a second (Room's SPOKE_NOTED_MS). */
  readonly spoke?: number;
}

/**
 * The profiles of the users online, by name (case ignored): in-process on
 * one server, shared by the nodes of a cluster. A profile goes when its
 * user leaves (the registry of names sees to it in a cluster, so that a
 * node that dies leaves none behind).
 */
export interface ProfilesPort {
  /** Records the profile of a user of this node (replacing what was recorded). */
  describe(username: string, profile: Profile): void;
  /** The profiles of `usernames`, in the order asked; null for a user with none (not online). */
  profilesOf(usernames: readonly string[]): Promise<readonly (Profile | null)[]>;
  /** The user left (or goes by another name now): its profile goes. */
  forget(username: string): void;
}

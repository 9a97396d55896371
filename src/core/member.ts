import type { SessionHandle } from "./plugin-api";
import type { Recipient } from "./ports/delivery.port";
import type { Replay, ResumeLog } from "./resume-log";
import type { Profile } from "./ports/profiles.port";
import type { Farewell } from "./language";

/**
 * What the room needs of a connection, beyond what plugins see of it: the
 * one seam between the room and the sessions (the room finds a handle's
 * member by its id, and never depends on how a session is made).
 */
export interface Member extends SessionHandle, Recipient {
  /** Still taking input and output. */
  readonly isOpen: boolean;
  /** Its connection dropped, and it waits for a resume: still the user's session. */
  readonly waitingForResume: boolean;
  /** A LOGIN succeeded: the member goes by `username` from now on. */
  joined(username: string, runLoginHooks: boolean): void;
  /** Resumable from now on: what it is sent is kept (at most `capacityBytes`). */
  keepLog(capacityBytes: number): void;
  /** What it was sent since it became resumable; null when it is not. */
  readonly resumeLog: ResumeLog | null;
  /** A resume took this session's place: it goes without a word. */
  handOver(): void;
  /** Takes the place of a resumed session: its name. */
  adopt(username: string): void;
  /** A rename of it is on its way (the registry has not answered): a resume waits for it to be settled. */
  renaming: boolean;
  /** A rename succeeded: the member goes by `username` from now on, in the room as it was. */
  renamed(username: string): void;
  /** Whether its connection is encrypted; what its client calls it beside its name (see Connection). */
  readonly secure: boolean;
  readonly realname: string | undefined;
  readonly ident: string | undefined;
  /** Whether it is invisible (see ConnectionCodec.invisible). */
  readonly invisible: boolean;
  /** The account it is signed in to (its name as registered); null for a guest. */
  account: string | null;
  /** The account its door signed its connection in to (see Connection.account), if any: its name signs in to it. */
  readonly doorAccount: string | undefined;
  /** What others see of it (WHOIS), as the room last recorded it; none before login. */
  profile: Profile | undefined;
  /** The protocol of its connection (see ConnectionCodec.protocol): a resume must speak it too. */
  readonly protocol: string;
  /** What a resumed session missed, rendered for its door and sent like replies. */
  replay(replay: Replay): void;
  /** Nobody resumed it within the grace: it leaves. */
  expire(): void;
  /** The server ends it (`reason`, for the others and the logs), with `farewell` as its client's last line. */
  end(reason: string, farewell?: Farewell): void;
}

import type { SessionHandle } from "./plugin-api";
import type { Recipient } from "./ports/delivery.port";

/**
 * What the room needs of a connection, beyond what plugins see of it: the
 * one seam between the room and the sessions (the room finds a handle's
 * member by its id, and never depends on how a session is made).
 */
export interface Member extends SessionHandle, Recipient {
  /** Still taking input and output. */
  readonly isOpen: boolean;
  /** A LOGIN succeeded: the member goes by `username` from now on. */
  joined(username: string, runLoginHooks: boolean): void;
}

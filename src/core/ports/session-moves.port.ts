import type { Outgoing } from "../events";
import type { Replay, ReplayRefusal, ResumePoint } from "../resume-log";
import type { Recipient } from "./delivery.port";

/** Why a session cannot be resumed: see docs/PROTOCOL.md, "Resuming a session". */
export type ResumeRefusal = "unknown-token" | "other-protocol" | ReplayRefusal | "unavailable";

/**
 * A client's resume: the session `token` names, from where the client got
 * to, on a connection of `protocol` (a session resumes in the protocol it
 * was made in: see ConnectionCodec.protocol).
 */
export interface ResumeRequest {
  readonly token: string;
  readonly point: ResumePoint;
  readonly protocol: string;
}

/**
 * A session offered to another node by the node that holds it: its name,
 * and what it missed there (events and replies). It is the other node's
 * once `settle(true)` is called (the cluster moved it): it goes from here
 * without a word. `settle(false)`: the move failed, and the session stays
 * here, resumable as before. Until settled, nobody else can take it.
 */
export interface GivenSession {
  readonly username: string;
  readonly replay: Replay;
  settle(moved: boolean): void;
}

/** A session moved here: what it missed at the node that held it, then what was on its way meanwhile. */
export interface MovedSession {
  readonly username: string;
  readonly replay: Replay;
  readonly missed: readonly Outgoing[];
}

/**
 * Resuming across nodes (a cluster provides it; a single server has
 * NO_MOVES): a client whose resumable session is on one node resumes it
 * on another. The node it lands on asks the holder; the holder gives the
 * session up; the cluster moves the name, and the events on their way, so
 * that the client gets everything once, in order.
 */
export interface SessionMovesPort {
  /** Appended to tokens issued here, so that another node can tell where the session is. */
  readonly route: string;
  /** Whether `token` names a session held by another node. */
  isElsewhere(token: string): boolean;
  /**
   * Asks the node holding `token`'s session for it. When the session moves
   * here `adopt` runs (at the point in the cluster's order of events where
   * it moves): `recipient` is then attached under the name, in its groups.
   * Resolves with null once adopted, or with why not.
   */
  fetch(request: ResumeRequest, recipient: Recipient, adopt: (moved: MovedSession) => void): Promise<ResumeRefusal | null>;
  /** How this node gives up the sessions it holds, when another node asks. */
  serve(give: (request: ResumeRequest) => GivenSession | ResumeRefusal): void;
}

/**
 * A single server's moves: there is no other node, so no token names a
 * session elsewhere, and nobody asks for one held here. A null object
 * rather than an optional port: tsyringe has no optional injection, and
 * with one port always there the core never asks whether it runs in a
 * cluster.
 */
export const NO_MOVES: SessionMovesPort = {
  route: "",
  isElsewhere: () => false,
  fetch: () => Promise.resolve("unknown-token"),
  serve: () => undefined,
};

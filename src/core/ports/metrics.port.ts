/**
 * What the server counts, for whoever watches it. Called on the hot path
 * (every line delivered): an adapter keeps these calls to a field increment
 * and does its work when it is read.
 */
export interface MetricsPort {
  connectionOpened(): void;
  /**
   * `reason`: one of DISCONNECT_REASONS, or whatever a plugin gave to
   * `session.end(reason)`: an adapter must not trust it to be one of them.
   */
  connectionClosed(reason: string): void;
  /** A connection turned away at its accept, or dropped before its handshake was done. */
  connectionRefused(reason: RefusalReason): void;
  userLoggedIn(): void;
  userLeft(): void;
  linesReceived(count: number): void;
  linesSent(count: number): void;
  commandHandled(verb: string, seconds: number): void;
  /** How to read the number of rooms (groups) on this node: called when the metrics are read, not on every change. */
  countRooms(read: () => number): void;
  /** Whether the cluster's shared store is reachable (only a clustered node reports it). */
  clusterConnected(connected: boolean): void;
}

/** Why the server closes a connection (a plugin may pass any other reason; count it as "other"). */
export const DISCONNECT_REASONS = ["quit", "idle", "client-closed", "error", "send-queue", "shutdown", "evicted", "resumed", "resume-gap"] as const;

/** Why the server turns a connection away before it becomes a session (the refusals, and handshakes that failed). */
export const REFUSAL_REASONS = [
  "server-full",
  "too-many-connections",
  "connection-rate-exceeded",
  "server-shutdown",
  "handshake-failed",
  "handshake-timeout",
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

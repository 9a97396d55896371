/**
 * What the server counts, for whoever watches it. Called on the hot path
 * (every line delivered): an adapter keeps these calls to a field increment
 * and does its work when it is read.
 */
export interface MetricsPort {
  connectionOpened(): void;
  /** `reason`: quit, idle, client-closed, error, send-queue, shutdown. */
  connectionClosed(reason: string): void;
  userLoggedIn(): void;
  userLeft(): void;
  linesReceived(count: number): void;
  linesSent(count: number): void;
  commandHandled(verb: string, seconds: number): void;
  /** Whether the cluster's shared store is reachable (only a clustered node reports it). */
  clusterConnected(connected: boolean): void;
}

import type { MetricsPort } from "../../core/ports/metrics.port";

/** Metrics switched off: every count is dropped. */
export class NoMetrics implements MetricsPort {
  connectionOpened(): void {}
  connectionClosed(): void {}
  connectionRefused(): void {}
  userLoggedIn(): void {}
  userLeft(): void {}
  linesReceived(): void {}
  linesSent(): void {}
  commandHandled(): void {}
  countRooms(): void {}
  clusterConnected(): void {}
}

import type { RefusalReason } from "../../../src/core/ports/metrics.port";
import { PrometheusMetrics } from "../../../src/adapters/prometheus/prometheus-metrics";

/** The series of one counter as scraped: label value -> count. */
async function series(metrics: PrometheusMetrics, name: string): Promise<Record<string, number>> {
  const { values } = await metrics.registry.getSingleMetric(name)!.get();
  return Object.fromEntries(values.map(({ labels, value }) => [String(labels.reason), value]));
}

describe("PrometheusMetrics", () => {
  it("counts disconnects by a fixed set of reasons, and whatever else a plugin passes as other", async () => {
    const metrics = new PrometheusMetrics();
    const connection = (reason: string): void => {
      metrics.connectionOpened();
      metrics.connectionClosed(reason);
    };
    for (const reason of ["quit", "idle", "client-closed", "error", "send-queue", "shutdown", "evicted", "quit", "resumed"]) connection(reason);
    // What a plugin may give to session.end(reason): one series each would grow without bound.
    for (let i = 0; i < 1000; i++) connection(`kicked by moderator #${i}`);
    for (const reason of ["", "QUIT", "other"]) connection(reason);
    expect(await series(metrics, "chat_disconnects_total")).toEqual({
      quit: 2,
      idle: 1,
      "client-closed": 1,
      error: 1,
      "send-queue": 1,
      shutdown: 1,
      evicted: 1,
      resumed: 1,
      "resume-gap": 0,
      other: 1003,
    });
  });

  it("counts refused connections as chat_connections_refused_total by a fixed set of reasons, others as other", async () => {
    const metrics = new PrometheusMetrics();
    for (const reason of ["server-full", "too-many-connections", "too-many-connections", "connection-rate-exceeded", "handshake-timeout", "server-shutdown", "handshake-failed"] as const) {
      metrics.connectionRefused(reason);
    }
    // The port's type allows none of these; the adapter holds its labels bounded anyway.
    metrics.connectionRefused("a reason nobody planned" as RefusalReason);
    metrics.connectionRefused("203.0.113.9" as RefusalReason);
    expect(await series(metrics, "chat_connections_refused_total")).toEqual({
      "server-full": 1,
      "too-many-connections": 2,
      "connection-rate-exceeded": 1,
      "handshake-timeout": 1,
      "handshake-failed": 1,
      "server-shutdown": 1,
      other: 2,
    });
    // A refused connection was never open.
    expect((await metrics.registry.getSingleMetric("chat_connections")!.get()).values[0]!.value).toBe(0);
  });

  it("shows every reason from the first scrape, at 0", async () => {
    const text = await new PrometheusMetrics().registry.metrics();
    expect(text.split("\n").filter((line) => /^chat_(disconnects|connections_refused)_total\{/.test(line))).toEqual([
      'chat_disconnects_total{reason="quit"} 0',
      'chat_disconnects_total{reason="idle"} 0',
      'chat_disconnects_total{reason="client-closed"} 0',
      'chat_disconnects_total{reason="error"} 0',
      'chat_disconnects_total{reason="send-queue"} 0',
      'chat_disconnects_total{reason="shutdown"} 0',
      'chat_disconnects_total{reason="evicted"} 0',
      'chat_disconnects_total{reason="resumed"} 0',
      'chat_disconnects_total{reason="resume-gap"} 0',
      'chat_disconnects_total{reason="other"} 0',
      'chat_connections_refused_total{reason="server-full"} 0',
      'chat_connections_refused_total{reason="too-many-connections"} 0',
      'chat_connections_refused_total{reason="connection-rate-exceeded"} 0',
      'chat_connections_refused_total{reason="server-shutdown"} 0',
      'chat_connections_refused_total{reason="handshake-failed"} 0',
      'chat_connections_refused_total{reason="handshake-timeout"} 0',
      'chat_connections_refused_total{reason="other"} 0',
    ]);
  });
});

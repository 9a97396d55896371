import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { DISCONNECT_REASONS, REFUSAL_REASONS, type MetricsPort } from "../../core/ports/metrics.port";

const COMMAND_SECONDS_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1];

/** The label for a reason outside a counter's fixed set. */
const OTHER = "other";

/**
 * A label that takes only the values given, and "other" for the rest: a
 * label is a time series in Prometheus, so one whose values a plugin (or a
 * client) can choose would let it grow the server's memory and the
 * monitoring's without bound.
 */
function boundedLabel(values: readonly string[]): (value: string) => string {
  const known = new Set(values);
  return (value) => (known.has(value) ? value : OTHER);
}

const disconnectReason = boundedLabel(DISCONNECT_REASONS);
const refusalReason = boundedLabel(REFUSAL_REASONS);

/**
 * The server's counts in the Prometheus format (prom-client). The hot-path
 * counts (lines in and out) are plain fields, copied into their counters
 * only when scraped; everything else goes straight to prom-client.
 */
export class PrometheusMetrics implements MetricsPort {
  readonly registry = new Registry();
  private received = 0;
  private sent = 0;
  private rooms: () => number = () => 0;
  private readonly connections: Gauge;
  private readonly users: Gauge;
  private readonly disconnects: Counter<"reason">;
  private readonly refusals: Counter<"reason">;
  private readonly commandSeconds: Histogram<"verb">;
  private readonly cluster: Gauge;

  constructor() {
    const registers = [this.registry];
    const self = this;
    this.connections = new Gauge({ name: "chat_connections", help: "Open connections, logged in or not", registers });
    this.users = new Gauge({ name: "chat_users", help: "Logged-in users", registers });
    new Gauge({
      name: "chat_rooms",
      help: "Rooms with members on this node (see --max-rooms)",
      registers,
      collect() {
        this.set(self.rooms());
      },
    });
    new Counter({
      name: "chat_lines_received_total",
      help: "Lines received from clients",
      registers,
      collect() {
        this.reset();
        this.inc(self.received);
      },
    });
    new Counter({
      name: "chat_lines_delivered_total",
      help: "Lines sent to clients: replies and deliveries",
      registers,
      collect() {
        this.reset();
        this.inc(self.sent);
      },
    });
    this.disconnects = new Counter({
      name: "chat_disconnects_total",
      help: `Connections closed, by reason (${DISCONNECT_REASONS.join(", ")}; any other a plugin gives: ${OTHER})`,
      labelNames: ["reason"],
      registers,
    });
    this.refusals = new Counter({
      name: "chat_connections_refused_total",
      help: `Connections turned away before they became a session, by reason (${REFUSAL_REASONS.join(", ")}, ${OTHER})`,
      labelNames: ["reason"],
      registers,
    });
    // Every series shown from the start, at 0: a rate over a series that
    // appears only at its first count misses that count.
    for (const reason of [...DISCONNECT_REASONS, OTHER]) this.disconnects.inc({ reason }, 0);
    for (const reason of [...REFUSAL_REASONS, OTHER]) this.refusals.inc({ reason }, 0);
    this.commandSeconds = new Histogram({
      name: "chat_command_duration_seconds",
      help: "Time to handle a command, by verb",
      labelNames: ["verb"],
      buckets: COMMAND_SECONDS_BUCKETS,
      registers,
    });
    this.cluster = new Gauge({
      name: "chat_cluster_connected",
      help: "1 while this node reaches the cluster's Redis, 0 while it does not (absent without --redis)",
      registers: [],
    });
    collectDefaultMetrics({ register: this.registry });
  }

  connectionOpened(): void {
    this.connections.inc();
  }

  connectionClosed(reason: string): void {
    this.connections.dec();
    this.disconnects.inc({ reason: disconnectReason(reason) });
  }

  connectionRefused(reason: string): void {
    this.refusals.inc({ reason: refusalReason(reason) });
  }

  userLoggedIn(): void {
    this.users.inc();
  }

  userLeft(): void {
    this.users.dec();
  }

  linesReceived(count: number): void {
    this.received += count;
  }

  linesSent(count: number): void {
    this.sent += count;
  }

  commandHandled(verb: string, seconds: number): void {
    this.commandSeconds.observe({ verb }, seconds);
  }

  countRooms(read: () => number): void {
    this.rooms = read;
  }

  clusterConnected(connected: boolean): void {
    // Registered at the first report: a single node shows no cluster gauge.
    if (this.registry.getSingleMetric("chat_cluster_connected") === undefined) this.registry.registerMetric(this.cluster);
    this.cluster.set(connected ? 1 : 0);
  }
}

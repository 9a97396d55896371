/** Latencies in 10 µs steps up to 10 s, exact enough for p50/p99/max of a chat server. */
const RESOLUTION_US = 10;
const BUCKETS = 1_000_000;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS + 1);
  private total = 0;
  private maxUs = 0;

  record(latencyUs: number): void {
    const bucket = Math.min(BUCKETS, Math.max(0, Math.floor(latencyUs / RESOLUTION_US)));
    this.counts[bucket]!++;
    this.total++;
    if (latencyUs > this.maxUs) this.maxUs = latencyUs;
  }

  get count(): number {
    return this.total;
  }

  /** The latency (ms) below which `fraction` of the samples fall. */
  percentileMs(fraction: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.ceil(fraction * this.total);
    let seen = 0;
    for (let bucket = 0; bucket <= BUCKETS; bucket++) {
      seen += this.counts[bucket]!;
      if (seen >= rank) return ((bucket + 1) * RESOLUTION_US) / 1000;
    }
    return this.maxMs;
  }

  get maxMs(): number {
    return this.maxUs / 1000;
  }

  summary(): string {
    if (this.total === 0) return "no samples";
    const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
    return `p50 ${ms(this.percentileMs(0.5))}, p99 ${ms(this.percentileMs(0.99))}, max ${ms(this.maxMs)}`;
  }
}

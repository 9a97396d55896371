/** How many keys a table holds before it sweeps out those at rest. */
const SWEEP_FROM = 1024;

/**
 * A table of keys (address groups, account names) that each hold some
 * state only while it matters, and is swept of those at rest: amortised,
 * the next sweep waits until the table doubles, so that it holds only the
 * keys seen lately, whatever their number over time.
 */
abstract class SweptTable<State> {
  protected readonly states = new Map<string, State>();
  private sweepAt = SWEEP_FROM;

  /** Keys held, for tests. */
  get entries(): number {
    return this.states.size;
  }

  /** Whether a key's state may be forgotten at `now`: it says nothing a fresh key would not. */
  protected abstract atRest(state: State, now: number): boolean;

  protected set(key: string, state: State, now: number): void {
    this.states.set(key, state);
    if (this.states.size < this.sweepAt) return;
    for (const [each, held] of this.states) if (this.atRest(held, now)) this.states.delete(each);
    this.sweepAt = Math.max(SWEEP_FROM, 2 * this.states.size);
  }
}

/**
 * A rate by key, as a token bucket in one number a key (GCRA, as flood
 * control does for lines): when the key's bucket is full again. Off when
 * the rate or the burst is 0.
 */
export class RateTable extends SweptTable<number> {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;

  constructor(perSecond: number, burst: number) {
    super();
    this.intervalMs = perSecond > 0 && burst > 0 ? 1000 / perSecond : 0;
    this.toleranceMs = (burst - 1) * this.intervalMs;
  }

  /** Takes one from the key's bucket at `now` (ms), if there is one; false when the key is over its rate. */
  take(key: string, now: number): boolean {
    if (this.intervalMs === 0) return true;
    const fullAt = Math.max(this.states.get(key) ?? now, now);
    if (fullAt - now > this.toleranceMs) return false;
    this.set(key, fullAt + this.intervalMs, now);
    return true;
  }

  protected atRest(fullAt: number, now: number): boolean {
    return fullAt <= now;
  }
}

/** How a Backoff grows: `free` failures cost nothing, each one after doubles the wait from `firstMs`, up to `longestMs`. */
export interface BackoffRule {
  readonly free: number;
  readonly firstMs: number;
  readonly longestMs: number;
  /** A key's failures are forgotten this long after its last one. */
  readonly forgetMs: number;
}

interface Failures {
  readonly count: number;
  /** The last failure's time. */
  readonly at: number;
  /** No attempt before this. */
  readonly until: number;
}

/** Failures by key, and the wait they earn (see BackoffRule); a success forgets the key's. */
export class Backoff extends SweptTable<Failures> {
  constructor(private readonly rule: BackoffRule) {
    super();
  }

  /** How long from `now` until the key may try again: 0 when it may now. */
  waitMs(key: string, now: number): number {
    const failures = this.states.get(key);
    return failures === undefined ? 0 : Math.max(0, failures.until - now);
  }

  failed(key: string, now: number): void {
    const { free, firstMs, longestMs, forgetMs } = this.rule;
    const before = this.states.get(key);
    const count = before === undefined || now - before.at >= forgetMs ? 1 : before.count + 1;
    const waitMs = count <= free ? 0 : Math.min(longestMs, firstMs * 2 ** Math.min(count - free - 1, 30));
    this.set(key, { count, at: now, until: now + waitMs }, now);
  }

  succeeded(key: string): void {
    this.states.delete(key);
  }

  protected atRest({ at }: Failures, now: number): boolean {
    return now - at >= this.rule.forgetMs;
  }
}

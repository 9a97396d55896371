import type Redis from "ioredis";
import { UnavailableError } from "../../core/errors";
import { sleep, type ClockPort } from "../../core/ports/clock.port";
import type { LoggerPort } from "../../core/ports/logger.port";

/** One entry of the bus: the process that wrote it, its kind, its target, what it carries. */
export interface StreamEntry {
  readonly id: string;
  readonly origin: string;
  readonly kind: string;
  readonly target: string;
  readonly payload: Buffer;
  /** A departure's: the groups its user was in, as a JSON list of their keys (empty for none). */
  readonly groups?: Buffer;
}

/** Kinds of entries: an event for everyone, for a group, for one user; a login; a departure (written by the registry's scripts). */
export const EVERYONE = "B";
export const GROUP = "G";
export const USER = "U";
export const LOGIN = "L";
export const DEPARTURE = "D";
/** An account signed out everywhere (its target): every node ends its sessions of it. */
export const SIGN_OUT = "S";
/** Not on the bus: this node's own departures, as a session moving here is told them (see ClusterMoves). */
export const LOCAL_DEPARTURES = "d";

export interface ClusterStreamOptions {
  /** The stream's key. */
  readonly key: string;
  /** Entries kept (approximately), for nodes that fall behind or reconnect. */
  readonly maxlen: string;
  /** Bytes of entries handed on in one event-loop turn before the reader lets the turn's output be written. */
  readonly turnBytes: number;
  /** The origin of this process's entries (its lease token): the reader skips them. */
  readonly origin: string;
  /** Time, for the pause before reading again after a failure. */
  readonly clock: ClockPort;
}

/** How the bus's entries are handed on: one at a time (the bytes it delivered), then once a run of them is done. */
export interface StreamConsumer {
  take(entry: StreamEntry): number;
  /** The end of a run of entries (a batch, or a turn's worth): what was gathered is told. */
  flush(): void;
}

export const READ_BLOCK_MS = 1000;
/** Entries sent to Redis and not yet acknowledged, past which a sender is told the cluster is not keeping up. */
const MAX_IN_FLIGHT = 10_000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Orders two stream entry ids ("<ms>-<seq>"). */
export function compareIds(a: string, b: string): number {
  const [aMs, aSeq] = a.split("-").map(Number) as [number, number];
  const [bMs, bSeq] = b.split("-").map(Number) as [number, number];
  return aMs - bMs || aSeq - bSeq;
}

/**
 * The bus every node reads, one Redis stream: one order for every entry,
 * so each sender's entries arrive in the order sent, once; and it keeps
 * recent entries, so a node that lost Redis for a while reads on from
 * where it stopped (from the start when Redis itself is another one,
 * restarted or failed over). Each entry names the process that wrote it,
 * which skips it.
 */
export class ClusterStream {
  private lastId = "0";
  private serverRunId = "";
  private inFlight = 0;

  constructor(
    private readonly writer: Redis,
    private readonly reader: Redis,
    private readonly options: ClusterStreamOptions,
    private readonly logger: LoggerPort,
    private readonly loggable: (error: unknown) => { message: string },
  ) {}

  /** Reads from now on: what was said before this node joined is not for it. */
  async start(): Promise<void> {
    this.serverRunId = await this.runId();
    const [last] = await this.writer.xrevrange(this.options.key, "+", "-", "COUNT", 1);
    this.lastId = last?.[0] ?? "0";
  }

  /** Back after losing Redis: another Redis (restarted empty, or failed over) has a new stream, read from its start. */
  async resume(): Promise<void> {
    const runId = await this.runId();
    if (runId === this.serverRunId) return;
    this.serverRunId = runId;
    this.lastId = "0";
  }

  /** Appends an entry; throws UnavailableError when Redis is not keeping up. */
  publish(kind: string, target: string, payload: string): void {
    if (this.inFlight >= MAX_IN_FLIGHT) throw new UnavailableError("the cluster (Redis) is not keeping up; delivered to this node's users only");
    this.inFlight++;
    this.writer
      .xadd(this.options.key, "MAXLEN", "~", this.options.maxlen, "*", "o", this.options.origin, "k", kind, "t", target, "l", payload)
      .catch((error: unknown) => this.logger.warn({ err: this.loggable(error) }, "an event for other nodes may be lost"))
      .finally(() => this.inFlight--);
  }

  /**
   * Reads the other processes' entries, from where it stopped, while
   * `reading()`. What a batch delivers is spread over event-loop turns,
   * `turnBytes` at a time, so that this node's readers are not handed a
   * whole batch (a burst elsewhere) at once.
   */
  async read(reading: () => boolean, consumer: StreamConsumer): Promise<void> {
    const { key, turnBytes, origin } = this.options;
    while (reading()) {
      try {
        const result = await this.reader.xreadBuffer("COUNT", 1000, "BLOCK", READ_BLOCK_MS, "STREAMS", key, this.lastId);
        if (!reading()) return;
        for (const [, entries] of result ?? []) {
          let delivered = 0;
          for (const [id, fields] of entries) {
            this.lastId = id.toString();
            // Fields as written: o, k, t, l, and a departure's g.
            const entry: StreamEntry = {
              id: this.lastId,
              origin: fields[1]!.toString(),
              kind: fields[3]!.toString(),
              target: fields[5]!.toString(),
              payload: fields[7]!,
              groups: fields[9],
            };
            if (entry.origin === origin) continue; // this node's own users had it when it was sent
            delivered += consumer.take(entry);
            if (delivered >= turnBytes) {
              consumer.flush();
              await nextTurn();
              if (!reading()) return;
              delivered = 0;
            }
          }
          consumer.flush();
        }
      } catch (error) {
        // Redis away (the node says so once, elsewhere), or an entry that could not be handed on.
        this.logger.debug({ err: this.loggable(error) }, "reading the bus failed");
        if (reading()) await sleep(this.options.clock, 200);
      }
    }
  }

  /** Which Redis this is. */
  private async runId(): Promise<string> {
    return /run_id:(\w+)/.exec(await this.writer.info("server"))?.[1] ?? "";
  }
}

import { Outgoing, type EventBody, type Stamp } from "./events";
import type { ClockPort } from "./ports/clock.port";

/** Crockford's base 32: digits and letters but I, L, O, U; sorts as its values do. */
const DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const DIGIT_CODES = Uint8Array.from(DIGITS, (digit) => digit.charCodeAt(0));
/** An event's id, as a regular expression's source: a time of 48 bits (its first digit at most 7), then 80 random bits. */
export const EVENT_ID_PATTERN = "^[0-7][0-9A-HJKMNP-TV-Z]{25}$";
const TIME_DIGITS = 10;
const RANDOM_DIGITS = 16;
/** The largest time a ULID holds: 48 bits of milliseconds. */
const MAX_TIME = 2 ** 48 - 1;

/**
 * The ids of events (chat messages, logins, departures ...): ULIDs
 * (ulid/spec), 26 characters, the time the event was made (48 bits of
 * milliseconds) then 80 random bits. Ids sort as their events were made:
 * across nodes (and generators) by the millisecond, from one generator
 * exactly (monotonic: within one millisecond, or if the wall clock steps
 * back, the random part of the last id plus one). Unique across
 * a cluster without asking anyone: two nodes draw the same 80 bits in the
 * same millisecond about once in 2^40 events of that millisecond.
 */
export class EventIds {
  private lastTime = -1;
  /** The time whose characters `codes` starts with: encoded once a millisecond, not once an id. */
  private codedTime = -1;
  /** The random part of the last id, a base-32 digit each. */
  private readonly random: Uint8Array<ArrayBuffer> = new Uint8Array(RANDOM_DIGITS);
  /**
   * The id's character codes, made into one string at once: a flat string
   * of 58 bytes, where joining the characters one by one made a rope of
   * 490 (measured) that every kept event (a resume log) would hold.
   */
  private readonly codes: number[] = new Array<number>(TIME_DIGITS + RANDOM_DIGITS).fill(0);

  constructor(private readonly fill: (bytes: Uint8Array<ArrayBuffer>) => void = (bytes) => crypto.getRandomValues(bytes)) {}

  /** A new id, for an event made at `epochMs` (the wall clock). */
  next(epochMs: number): string {
    const time = Math.min(Math.max(Math.floor(epochMs), 0), MAX_TIME);
    if (time > this.lastTime) {
      this.lastTime = time;
      this.fill(this.random);
      for (let i = 0; i < RANDOM_DIGITS; i++) this.random[i]! &= 31;
    } else {
      this.increment();
    }
    const { codes } = this;
    if (this.codedTime !== this.lastTime) {
      this.codedTime = this.lastTime;
      encodeTime(this.lastTime, codes);
    }
    for (let i = 0; i < RANDOM_DIGITS; i++) codes[TIME_DIGITS + i] = DIGIT_CODES[this.random[i]!]!;
    return String.fromCharCode.apply(null, codes);
  }

  /** The random part plus one, carried; past its largest value, the time moves on a millisecond. */
  private increment(): void {
    for (let i = RANDOM_DIGITS - 1; i >= 0; i--) {
      if (this.random[i] !== 31) {
        this.random[i]!++;
        return;
      }
      this.random[i] = 0;
    }
    this.lastTime = Math.min(this.lastTime + 1, MAX_TIME);
  }
}

/** Writes `time`'s ten base-32 digits (character codes) at the start of `codes`. */
function encodeTime(time: number, codes: number[]): void {
  let left = time;
  for (let i = TIME_DIGITS - 1; i >= 0; i--) {
    codes[i] = DIGIT_CODES[left % 32]!;
    left = Math.floor(left / 32);
  }
}

/** Stamps for the events one node makes: ids in the order made, by its wall clock. */
export class EventStamps {
  private readonly ids = new EventIds();

  constructor(private readonly clock: ClockPort) {}

  stamp(): Stamp {
    const at = this.clock.epochMs();
    return { id: this.ids.next(at), at };
  }

  /** A new event, stamped, on its way. */
  event(body: EventBody): Outgoing {
    return new Outgoing({ ...this.stamp(), ...body });
  }
}

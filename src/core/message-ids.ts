/** Crockford's base 32: digits and letters but I, L, O, U; sorts as its values do. */
const DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const TIME_DIGITS = 10;
const RANDOM_DIGITS = 16;
/** The largest time a ULID holds: 48 bits of milliseconds. */
const MAX_TIME = 2 ** 48 - 1;

/**
 * The ids of chat messages: ULIDs (ulid/spec), 26 characters, the time the
 * message was accepted (48 bits of milliseconds) then 80 random bits. Ids
 * sort as their messages were accepted: across nodes by the millisecond,
 * on one node exactly (monotonic: within one millisecond, or if the wall
 * clock steps back, the random part of the last id plus one). Unique across
 * a cluster without asking anyone: two nodes draw the same 80 bits in the
 * same millisecond about once in 2^40 messages of that millisecond.
 */
export class MessageIds {
  private lastTime = -1;
  /** An encoded time (the ids' first ten characters), and which: encoded once a millisecond, not once an id. */
  private timePrefix = "";
  private prefixTime = -1;
  /** The random part of the last id, a base-32 digit each. */
  private readonly random: Uint8Array<ArrayBuffer> = new Uint8Array(RANDOM_DIGITS);

  constructor(private readonly fill: (bytes: Uint8Array<ArrayBuffer>) => void = (bytes) => crypto.getRandomValues(bytes)) {}

  /** A new id, for a message accepted at `epochMs` (the wall clock). */
  next(epochMs: number): string {
    const time = Math.min(Math.max(Math.floor(epochMs), 0), MAX_TIME);
    if (time > this.lastTime) {
      this.lastTime = time;
      this.fill(this.random);
      for (let i = 0; i < RANDOM_DIGITS; i++) this.random[i]! &= 31;
    } else {
      this.increment();
    }
    if (this.prefixTime !== this.lastTime) {
      this.prefixTime = this.lastTime;
      this.timePrefix = encodeTime(this.lastTime);
    }
    let id = this.timePrefix;
    for (let i = 0; i < RANDOM_DIGITS; i++) id += DIGITS[this.random[i]!];
    return id;
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

function encodeTime(time: number): string {
  let text = "";
  let left = time;
  for (let i = 0; i < TIME_DIGITS; i++) {
    text = DIGITS[left % 32] + text;
    left = Math.floor(left / 32);
  }
  return text;
}

/** A message's id: a ULID (Crockford's base 32, 26 characters). */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The millisecond a ULID's first ten characters hold. */
export function ulidTime(id: string): number {
  return [...id.slice(0, 10)].reduce((time, digit) => time * 32 + CROCKFORD.indexOf(digit), 0);
}

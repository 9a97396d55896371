/**
 * IRC masks (`*` any run of characters, `?` any one character), matched
 * ignoring ASCII case (CASEMAPPING=ascii) in time bounded by the product of
 * the mask's and the name's lengths: one pass over the name that, on a
 * mismatch, goes back only to the last `*` seen. A backtracking regular
 * expression took exponential time on `*a*a*a...*b` against `aaaa...`.
 */

/**
 * Longest mask matched: twice the longest name (32). A longer mask is
 * answered as matching nobody, at no cost: the work a WHO does for each
 * user is bounded by (65 × 33) steps whatever the client sends.
 */
export const MAX_MASK_LENGTH = 64;

const STAR = 0x2a;
const QUESTION = 0x3f;

function foldCase(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}

export class IrcMask {
  /** Steps the last `matches` took (each a turn of its loop): the bound is checked by a test. */
  steps = 0;
  private readonly pattern: Uint16Array;

  private constructor(mask: string) {
    // Case folded once; a run of `*` is one `*`, which changes no answer.
    const codes: number[] = [];
    for (let at = 0; at < mask.length; at++) {
      const code = foldCase(mask.charCodeAt(at));
      if (code !== STAR || codes.at(-1) !== STAR) codes.push(code);
    }
    this.pattern = Uint16Array.from(codes);
  }

  /** The mask, compiled once for every name it is matched against; null when longer than MAX_MASK_LENGTH. */
  static compile(mask: string): IrcMask | null {
    return mask.length > MAX_MASK_LENGTH ? null : new IrcMask(mask);
  }

  /** Whether `name` matches the whole mask. */
  matches(name: string): boolean {
    const pattern = this.pattern;
    const end = pattern.length;
    let at = 0;
    let position = 0;
    // Where the last `*` is in the mask, and the first character of the name it does not cover yet.
    let star = -1;
    let resumeAt = 0;
    let steps = 0;
    while (position < name.length) {
      steps++;
      const code = at < end ? pattern[at]! : -1;
      if (code === STAR) {
        star = at++;
        resumeAt = position;
      } else if (code === QUESTION || (code !== -1 && code === foldCase(name.charCodeAt(position)))) {
        at++;
        position++;
      } else if (star !== -1) {
        // The last `*` takes one character more; what followed it is tried again from there.
        at = star + 1;
        position = ++resumeAt;
      } else {
        this.steps = steps;
        return false;
      }
    }
    while (at < end && pattern[at] === STAR) {
      steps++;
      at++;
    }
    this.steps = steps;
    return at === end;
  }
}

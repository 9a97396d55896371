import fc from "fast-check";
import { IrcMask, MAX_MASK_LENGTH } from "../../../../src/adapters/irc/irc-mask";

/** What a mask means, said the slow and obvious way: a table of which prefixes match which. */
function reference(mask: string, name: string): boolean {
  const m = mask.toLowerCase();
  const n = name.toLowerCase();
  let row = [true, ...new Array<boolean>(n.length).fill(false)];
  for (const symbol of m) {
    const next = [symbol === "*" && row[0]!];
    for (let j = 1; j <= n.length; j++) {
      next[j] = symbol === "*" ? row[j]! || next[j - 1]! : row[j - 1]! && (symbol === "?" || symbol === n[j - 1]);
    }
    row = next;
  }
  return row[n.length]!;
}

function matchOnce(mask: string, name: string): { matched: boolean; steps: number } {
  const compiled = IrcMask.compile(mask)!;
  const matched = compiled.matches(name);
  return { matched, steps: compiled.steps };
}

const name = fc.string({ unit: fc.constantFrom("a", "A", "b", "_"), maxLength: 32 });
const mask = fc.string({ unit: fc.constantFrom("a", "A", "b", "*", "*", "?"), maxLength: MAX_MASK_LENGTH });
/** The shape that froze the server with a backtracking RegExp (issue #17): `*a*a*a...*b` against `aaaa...`. */
const adversarialMask = fc
  .tuple(fc.integer({ min: 1, max: 31 }), fc.constantFrom("b", "?b", "*b", "a", ""), fc.constantFrom("*a", "*a*", "**a", "*?"))
  .map(([times, tail, unit]) => (unit.repeat(times) + tail).slice(0, MAX_MASK_LENGTH));
const adversarialName = fc.integer({ min: 0, max: 32 }).map((length) => "a".repeat(length));

describe("IRC masks", () => {
  it("match `*` and `?` ignoring ASCII case, as IRC clients use them", () => {
    expect(matchOnce("b*", "bob").matched).toBe(true);
    expect(matchOnce("B?B", "bob").matched).toBe(true);
    expect(matchOnce("*", "").matched).toBe(true);
    expect(matchOnce("?", "").matched).toBe(false);
    expect(matchOnce("b*", "alice").matched).toBe(false);
    expect(matchOnce("*li*", "alice").matched).toBe(true);
    expect(matchOnce("a.c", "abc").matched).toBe(false);
    expect(matchOnce("a+c", "aac").matched).toBe(false);
  });

  it("answer the mask that froze the server at once: `*a*a*a*a*a*a*a*a*a*a*a*b` against 32 a's", () => {
    const { matched, steps } = matchOnce("*a*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(32));
    expect(matched).toBe(false);
    expect(steps).toBeLessThanOrEqual(25 * 33);
  });

  it(`refuse a mask longer than ${MAX_MASK_LENGTH} characters (it matches nobody)`, () => {
    expect(IrcMask.compile("*".repeat(MAX_MASK_LENGTH))).not.toBeNull();
    expect(IrcMask.compile("*a".repeat(2000))).toBeNull();
  });

  it("property: agree with the reference and take at most (mask length + 1) × (name length + 1) steps", () => {
    fc.assert(
      fc.property(fc.oneof(mask, adversarialMask), fc.oneof(name, adversarialName), (pattern, subject) => {
        const { matched, steps } = matchOnce(pattern, subject);
        expect(matched).toBe(reference(pattern, subject));
        expect(steps).toBeLessThanOrEqual((pattern.length + 1) * (subject.length + 1));
      }),
      { numRuns: 20_000 },
    );
  });
});

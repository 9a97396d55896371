import fc from "fast-check";
import { parseIrcLine, type StepCounter } from "../../../../src/adapters/irc/irc-message";

function parsed(line: string): { message: ReturnType<typeof parseIrcLine>; steps: number } {
  const counter: StepCounter = { steps: 0 };
  return { message: parseIrcLine(line, counter), steps: counter.steps };
}

/** Lines made of what an IRC parser looks at (spaces, colons, @), some words and long runs of each. */
const piece = fc.oneof(
  fc.constantFrom(" ", ":", "@", " :", "PRIVMSG", "nick", "#lobby", "a", "\u00e9", "\t"),
  fc.tuple(fc.constantFrom(" ", ":", " :", "@", "a "), fc.integer({ min: 1, max: 300 })).map(([unit, times]) => unit.repeat(times)),
);
const adversarialLine = fc.array(piece, { maxLength: 12 }).map((pieces) => pieces.join(""));

describe("the IRC line parser", () => {
  it("reads tags, a prefix, middle parameters and a trailing one", () => {
    expect(parseIrcLine("@time=x :nick!u@h privmsg #lobby :hi there")).toEqual({ command: "PRIVMSG", params: ["#lobby", "hi there"] });
    expect(parseIrcLine("  NICK   alice  ")).toEqual({ command: "NICK", params: ["alice"] });
    expect(parseIrcLine("USER a 0 * :")).toEqual({ command: "USER", params: ["a", "0", "*", ""] });
    expect(parseIrcLine("PRIVMSG bob:hi")).toEqual({ command: "PRIVMSG", params: ["bob:hi"] });
    expect(parseIrcLine(":prefix :only trailing")).toBeNull();
    expect(parseIrcLine("")).toBeNull();
    expect(parseIrcLine("   ")).toBeNull();
  });

  it("property: one pass over the line, at most one step a character, whatever the line", () => {
    fc.assert(
      fc.property(fc.oneof(adversarialLine, fc.string({ maxLength: 200 })), (line) => {
        const { message, steps } = parsed(line);
        expect(steps).toBeLessThanOrEqual(line.length);
        if (message === null) return;
        const middle = message.params.slice(0, -1);
        for (const param of middle) expect(param).not.toMatch(/^$|^:| /);
        expect(message.command).not.toMatch(/[ a-z]/);
      }),
      { numRuns: 1000 },
    );
  });
});

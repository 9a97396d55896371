import { escapeEveryone, unescapeEveryone } from "../../../src/client-shared/escape";

describe("the escape of a message to everyone, as both clients write and read it", () => {
  it.each([
    ["#1 priority is coffee", "\\#1 priority is coffee"],
    ["\\#x", "\\\\#x"],
    ["\\o/", "\\o/"],
    ["a #hashtag", "a #hashtag"],
    ["", ""],
  ])("says %j to everyone as %j, and reads it back as it was", (text, wire) => {
    expect(escapeEveryone(text)).toBe(wire);
    expect(unescapeEveryone(wire)).toBe(text);
  });

  it("leaves alone a text with no # after its backslashes", () => {
    expect(unescapeEveryone("\\\\o/")).toBe("\\\\o/");
  });
});

import { parseOptions, schemaProblem, type OptionsSchema } from "../../../src/core/options";

const schema = {
  size: { type: "integer", default: 20, min: 0, max: 100 },
  ratio: { type: "number", default: 0.5, min: 0 },
  label: { type: "string", default: "x", pattern: /^[a-z]+$/ },
  loud: { type: "boolean", default: false },
  words: { type: "strings", default: [] },
} as const satisfies OptionsSchema;

describe("plugin options", () => {
  it("fill in defaults and keep what is given", () => {
    expect(parseOptions(schema, { size: 5, words: ["a"] })).toEqual({ size: 5, ratio: 0.5, label: "x", loud: false, words: ["a"] });
  });

  it.each<[Record<string, unknown>, string]>([
    [{ size: 101 }, 'option "size" must be a whole number from 0 to 100, got 101'],
    [{ size: 2.5 }, 'option "size" must be a whole number from 0 to 100, got 2.5'],
    [{ size: "5" }, 'option "size" must be a whole number from 0 to 100, got "5"'],
    [{ ratio: -1 }, 'option "ratio" must be a number of at least 0, got -1'],
    [{ label: "UP" }, 'option "label" must match /^[a-z]+$/, got "UP"'],
    [{ loud: "yes" }, 'option "loud" must be true or false, got "yes"'],
    [{ words: ["a", 1] }, 'option "words" must be a list of strings, got ["a",1]'],
    [{ colour: "red" }, 'unknown option "colour" (options: size, ratio, label, loud, words)'],
  ])("refuse %j: %s", (raw, message) => {
    expect(() => parseOptions(schema, raw)).toThrow(message);
  });

  it("refuse the names every object has", () => {
    expect(() => parseOptions(schema, { toString: 1 })).toThrow('unknown option "toString"');
  });

  it.each<[unknown, string]>([
    [{ size: { type: "int", default: 1 } }, 'option "size" has no known type (integer, number, string, boolean, strings)'],
    [{ size: { type: "integer" } }, 'option "size" has a default that is not a valid integer'],
    [{ words: { type: "strings", default: "a" } }, 'option "words" has a default that is not a list of strings'],
    [[], "options must be an object describing each option"],
  ])("find a plugin's own schema wrong: %j", (bad, problem) => {
    expect(schemaProblem(bad)).toBe(problem);
  });

  it("refuse any option for a plugin that takes none", () => {
    expect(() => parseOptions(undefined, { size: 1 })).toThrow('takes no options, got "size"');
    expect(parseOptions(undefined, {})).toEqual({});
  });
});

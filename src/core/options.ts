/** One option a plugin takes: its type, its default, its bounds. */
export type OptionSpec =
  | { readonly type: "integer"; readonly default: number; readonly min?: number; readonly max?: number }
  | { readonly type: "number"; readonly default: number; readonly min?: number; readonly max?: number }
  | { readonly type: "string"; readonly default: string; readonly pattern?: RegExp }
  | { readonly type: "boolean"; readonly default: boolean }
  | { readonly type: "strings"; readonly default: readonly string[] };

export type OptionsSchema = Readonly<Record<string, OptionSpec>>;

/** The options object a schema describes. */
export type OptionsOf<Schema extends OptionsSchema> = {
  readonly [Key in keyof Schema]: Schema[Key] extends { readonly type: "integer" | "number" }
    ? number
    : Schema[Key] extends { readonly type: "string" }
      ? string
      : Schema[Key] extends { readonly type: "boolean" }
        ? boolean
        : readonly string[];
};

/** Why an option value is refused, as the sentence after "option "x" ". */
function problem(spec: OptionSpec, value: unknown): string | null {
  switch (spec.type) {
    case "integer":
    case "number": {
      const { min = -Infinity, max = Infinity } = spec;
      const kind = spec.type === "integer" ? "a whole number" : "a number";
      const range = Number.isFinite(min) && Number.isFinite(max) ? ` from ${min} to ${max}` : Number.isFinite(min) ? ` of at least ${min}` : Number.isFinite(max) ? ` of at most ${max}` : "";
      const fits = typeof value === "number" && Number.isFinite(value) && (spec.type === "number" || Number.isInteger(value)) && value >= min && value <= max;
      return fits ? null : `must be ${kind}${range}`;
    }
    case "string":
      if (typeof value !== "string") return "must be a string";
      return spec.pattern && !spec.pattern.test(value) ? `must match ${spec.pattern}` : null;
    case "boolean":
      return typeof value === "boolean" ? null : "must be true or false";
    case "strings":
      return Array.isArray(value) && value.every((item) => typeof item === "string") ? null : "must be a list of strings";
  }
}

/**
 * Checks raw options against a schema and fills in defaults; throws an
 * Error whose message names the bad option (the caller adds the plugin).
 */
export function parseOptions<Schema extends OptionsSchema>(schema: Schema | undefined, raw: Readonly<Record<string, unknown>>): OptionsOf<Schema> {
  const known = schema ?? {};
  const names = Object.keys(known);
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(known, key)) {
      throw new Error(names.length === 0 ? `takes no options, got "${key}"` : `unknown option "${key}" (options: ${names.join(", ")})`);
    }
  }
  const options: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(known) as [string, OptionSpec][]) {
    const value = Object.hasOwn(raw, key) ? raw[key] : spec.default;
    const wrong = problem(spec, value);
    if (wrong !== null) throw new Error(`option "${key}" ${wrong}, got ${JSON.stringify(value)}`);
    options[key] = value;
  }
  return options as OptionsOf<Schema>;
}

const TYPES = new Set(["integer", "number", "string", "boolean", "strings"]);

/** Why a plugin's schema itself is wrong (a bug of the plugin's, not of the configuration), or null. */
export function schemaProblem(schema: unknown): string | null {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return "options must be an object describing each option";
  for (const [key, spec] of Object.entries(schema as Record<string, unknown>)) {
    const { type, default: fallback } = (spec ?? {}) as { type?: unknown; default?: unknown };
    if (typeof type !== "string" || !TYPES.has(type)) return `option "${key}" has no known type (${[...TYPES].join(", ")})`;
    if (problem(spec as OptionSpec, fallback) !== null) return `option "${key}" has a default that is not ${type === "strings" ? "a list of strings" : `a valid ${type}`}`;
  }
  return null;
}

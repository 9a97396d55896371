/** A mistake in how the program was called, naming the flag: the CLI prints it and exits 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface NumberRule {
  readonly min: number;
  readonly max: number;
  /** Fractions allowed. */
  readonly fractional?: boolean;
}

const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/** A flag's number, in decimal digits only (no "1e3", no "0x10"), within the rule's range. */
export function parseNumber(flag: string, text: string, { min, max, fractional = false }: NumberRule): number {
  const value = Number(text);
  if (!DECIMAL.test(text) || (!fractional && !Number.isInteger(value)) || value < min || value > max) {
    const kind = fractional ? "a number" : "a whole number";
    throw new UsageError(`${flag} must be ${kind} from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** A port to listen on; 0 picks a free one. */
export function parsePort(flag: string, text: string): number {
  return parseNumber(flag, text, { min: 0, max: 65535 });
}

/** The port a flag gives (`flag` without its `--`), or undefined when it is not given. */
export function portFlag(values: Readonly<Record<string, string | undefined>>, flag: string): number | undefined {
  const text = values[flag];
  return text === undefined ? undefined : parsePort(`--${flag}`, text);
}

/** How text is dressed: ANSI colours on a terminal, nothing elsewhere. */
export interface Style {
  readonly name: (text: string) => string;
  readonly muted: (text: string) => string;
  readonly private: (text: string) => string;
  readonly error: (text: string) => string;
  readonly notice: (text: string) => string;
}

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export const PLAIN: Style = {
  name: (text) => text,
  muted: (text) => text,
  private: (text) => text,
  error: (text) => text,
  notice: (text) => text,
};

export const COLOURS: Style = {
  name: ansi(1, 22), // bold
  muted: ansi(2, 22), // dim
  private: ansi(35, 39), // magenta
  error: ansi(31, 39), // red
  notice: ansi(33, 39), // yellow
};

/** Colours only for a terminal, and never when NO_COLOR is set (no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, environment: NodeJS.ProcessEnv): Style {
  return stream.isTTY === true && !environment.NO_COLOR ? COLOURS : PLAIN;
}

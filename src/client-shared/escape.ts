/**
 * The line protocol's escape for a message to everyone (docs/PROTOCOL.md):
 * a text that starts with `#`, after any backslashes, goes with one
 * backslash more, so that `#1 priority` is not read as a message to room #1.
 */
export function escapeEveryone(text: string): string {
  return /^\\*#/.test(text) ? `\\${text}` : text;
}

/** A message to everyone as it was said: the escape's backslash taken off. */
export function unescapeEveryone(text: string): string {
  return /^\\+#/.test(text) ? text.slice(1) : text;
}

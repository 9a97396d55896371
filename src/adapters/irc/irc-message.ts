/** One IRC message as a client sends it (RFC 1459/2812, IRCv3 message tags skipped). */
export interface IrcMessage {
  /** Upper-cased. */
  readonly command: string;
  readonly params: readonly string[];
}

/**
 * Reads one line (without its line ending). Tags and a prefix, which a
 * client has no business sending, are skipped; a trailing parameter (after
 * " :") may hold spaces. Null for a line with no command.
 */
export function parseIrcLine(line: string): IrcMessage | null {
  let rest = line;
  if (rest.startsWith("@")) rest = rest.slice(rest.indexOf(" ") + 1 || rest.length);
  rest = rest.replace(/^ +/, "");
  if (rest.startsWith(":")) rest = rest.slice(rest.indexOf(" ") + 1 || rest.length);
  const params: string[] = [];
  let trailing: string | null = null;
  const colon = rest.indexOf(" :");
  if (colon !== -1) {
    trailing = rest.slice(colon + 2);
    rest = rest.slice(0, colon);
  } else if (rest.startsWith(":")) {
    trailing = rest.slice(1);
    rest = "";
  }
  const words = rest.split(" ").filter((word) => word !== "");
  if (words.length === 0) return null;
  const command = words[0]!.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
  params.push(...words.slice(1));
  if (trailing !== null) params.push(trailing);
  return { command, params };
}

/** Longest IRC line, line ending included (RFC 1459). */
export const IRC_LINE_BYTES = 512;

/**
 * The parts of `text` that fit, each, after `head` (what comes before the
 * text in the line) within an IRC line: cut at character boundaries, so
 * that a long message becomes several messages rather than a line clients
 * cut or refuse.
 */
export function fitText(head: string, text: string): string[] {
  const room = IRC_LINE_BYTES - 2 - Buffer.byteLength(head);
  if (Buffer.byteLength(text) <= room) return [text];
  const parts: string[] = [];
  let part = "";
  let bytes = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character);
    if (bytes + size > room) {
      parts.push(part);
      part = "";
      bytes = 0;
    }
    part += character;
    bytes += size;
  }
  if (part !== "") parts.push(part);
  return parts;
}

/** Whether `name` matches an IRC mask with `*` and `?`, ignoring ASCII case. */
export function matchesMask(mask: string, name: string): boolean {
  const pattern = mask.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`, "i").test(name);
}

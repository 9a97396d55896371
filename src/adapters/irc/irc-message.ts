import { asciiUpperCase } from "../../core/text";

/** One IRC message as a client sends it (RFC 1459/2812, IRCv3 message tags skipped). */
export interface IrcMessage {
  /** Upper-cased. */
  readonly command: string;
  readonly params: readonly string[];
}

const SPACE = 0x20;
const COLON = 0x3a;
const AT = 0x40;

const isSpace = (code: number): boolean => code === SPACE;
const notSpace = (code: number): boolean => code !== SPACE;

/** Counts the turns of a parser's loop, for the test that bounds them. */
export interface StepCounter {
  steps: number;
}

/**
 * Reads one line (without its line ending) in one pass over its characters.
 * Tags and a prefix, which a client has no business sending, are skipped; a
 * trailing parameter (after " :") may hold spaces. Null for a line with no
 * command.
 */
export function parseIrcLine(line: string, counter?: StepCounter): IrcMessage | null {
  const end = line.length;
  let at = 0;
  let steps = 0;
  const skip = (until: (code: number) => boolean): void => {
    for (; at < end && !until(line.charCodeAt(at)); at++) steps++;
  };
  if (line.charCodeAt(0) === AT) skip(isSpace);
  skip(notSpace);
  if (line.charCodeAt(at) === COLON) skip(isSpace);
  const words: string[] = [];
  let trailing: string | null = null;
  for (;;) {
    skip(notSpace);
    if (at === end) break;
    if (line.charCodeAt(at) === COLON) {
      trailing = line.slice(at + 1);
      steps += end - at;
      break;
    }
    const start = at;
    skip(isSpace);
    words.push(line.slice(start, at));
  }
  if (counter !== undefined) counter.steps = steps;
  if (words.length === 0) return null;
  const params = words.slice(1);
  if (trailing !== null) params.push(trailing);
  return { command: asciiUpperCase(words[0]!), params };
}

/** Longest IRC line, line ending included (RFC 1459). */
export const IRC_LINE_BYTES = 512;

/**
 * The parts of `text` that fit, each, after `head` (what comes before the
 * text in the line) within an IRC line: cut at character boundaries, so
 * that a long message becomes several messages rather than a line clients
 * cut or refuse. Neither the source that starts `head` (`:nick!user@host `)
 * nor the colon before the text is counted: the longest text a client may
 * send in its own 512 bytes (`PRIVMSG bob <text>`) reaches the others
 * whole, in one line (as ergo relays it), not as a line and a stub; a line
 * is then at most its source and a colon longer than 512 bytes.
 */
export function fitText(head: string, text: string): string[] {
  const source = head.startsWith(":") ? head.indexOf(" ") + 1 : 0;
  const counted = head.endsWith(":") ? head.slice(source, -1) : head.slice(source);
  const room = IRC_LINE_BYTES - 2 - Buffer.byteLength(counted);
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

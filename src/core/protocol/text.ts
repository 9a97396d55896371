import type { Refusal } from "../ports/transport.port";

/**
 * Text rules of the wire protocol: what a line looks like, what a username
 * may be, what may be relayed to other users.
 */

const SPACE = 0x20;
const TAB = 0x09;

function isSeparator(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** A text cut after its first word: the word, then the rest with separators around it removed. */
export interface WordSplit {
  readonly word: string;
  readonly rest: string;
}

/**
 * Splits off the first word of `text`. Spaces and tabs before the word and
 * after the rest are ignored; any run of them after the word counts as one;
 * the rest keeps its inner spacing as sent.
 */
export function splitFirstWord(text: string): WordSplit {
  let start = 0;
  let end = text.length;
  while (start < end && isSeparator(text.charCodeAt(start))) start++;
  while (end > start && isSeparator(text.charCodeAt(end - 1))) end--;
  let wordEnd = start;
  while (wordEnd < end && !isSeparator(text.charCodeAt(wordEnd))) wordEnd++;
  let restStart = wordEnd;
  while (restStart < end && isSeparator(text.charCodeAt(restStart))) restStart++;
  return { word: text.slice(start, wordEnd), rest: text.slice(restStart, end) };
}

// C0 controls but TAB, DEL, and the C1 controls: enough to forbid terminal escapes.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** Removes the control characters that must never reach another client's terminal. */
export function stripControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, "");
}

const SURROUNDING_SEPARATORS = /^[ \t]+|[ \t]+$/g;

/**
 * Text as it may be relayed to other users: control characters removed,
 * then the spaces and tabs that this leaves at either end. Empty means the
 * text had nothing to say.
 */
export function relayableText(text: string): string {
  return stripControlCharacters(text).replace(SURROUNDING_SEPARATORS, "");
}

const BACKSLASH = 0x5c;
const HASH = 0x23;

/** Whether a reader of the line protocol could take `text` for a room's name and text: `#`, after any backslashes. */
function looksLikeRoom(text: string): boolean {
  let at = 0;
  while (text.charCodeAt(at) === BACKSLASH) at++;
  return text.charCodeAt(at) === HASH;
}

/**
 * The line protocol's escape for a message to everyone whose text starts
 * with `#` (docs/PROTOCOL.md): one backslash more in front, both ways, so
 * that `MSG \#1 priority` is not `MSG #1 priority`, a message to room #1.
 */
export function escapeEveryoneText(text: string): string {
  return looksLikeRoom(text) ? `\\${text}` : text;
}

/** The text of `MSG \#...` to everyone, its first backslash taken off (see escapeEveryoneText). */
export function unescapeEveryoneText(text: string): string {
  return text.charCodeAt(0) === BACKSLASH && looksLikeRoom(text) ? text.slice(1) : text;
}

const MAX_ECHO_CHARACTERS = 32;

/**
 * How the server echoes back a word the client sent (an unknown verb, an
 * unknown user): printable only, at most 32 characters, "?" when nothing
 * printable is left.
 */
export function echoWord(word: string): string {
  const characters = [...stripControlCharacters(word)];
  return characters.length === 0 ? "?" : characters.slice(0, MAX_ECHO_CHARACTERS).join("");
}

/**
 * Upper-cases ASCII letters only. `toUpperCase` also folds some non-ASCII
 * letters into ASCII (the dotless i into I, the long s into S), which would
 * make "p\u0131ng" a PING.
 */
export function asciiUpperCase(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/;

/** 1 to 32 of ASCII letters, digits, `_`, `-`, `.`; not starting with `-` or `.`. */
export function isValidUsername(name: string): boolean {
  return USERNAME.test(name);
}

/**
 * The form under which names (of users, of groups) are compared:
 * uniqueness ignores ASCII case.
 * Only ASCII letters are folded, so that no other character (the Kelvin
 * sign folds to "k") can stand for a valid name.
 */
export function nameKey(name: string): string {
  return name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The last line a refused connection is sent, where its transport can still send one. */
export function refusalLine(refusal: Refusal): string {
  return refusal === "server-shutdown" ? "INFO server-shutdown" : `ERR ${refusal}`;
}

/** Encodes one outgoing line, adding the LF that ends every line the server sends. */
export function encodeLine(line: string): Buffer {
  return Buffer.from(`${line}\n`);
}

/**
 * Encodes a line into memory of its own, for a line that may wait long in
 * slow readers' queues: holding it keeps nothing else alive, whereas a
 * small `Buffer.from` is a slice of a pool shared with everything else.
 */
export function encodeLineAlone(line: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(line) + 1);
  bytes[bytes.write(line)] = 0x0a;
  return bytes;
}

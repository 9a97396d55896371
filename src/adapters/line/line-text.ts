import type { Refusal } from "../../core/ports/transport.port";
import { stripControlCharacters } from "../../core/text";

/**
 * Text rules of the line protocol (docs/PROTOCOL.md): how a line splits into
 * words, the escape of a message to everyone, how a word is echoed back,
 * how lines are encoded.
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

/** The last line a refused connection is sent, where its transport can still send one. */
export function refusalLine(refusal: Refusal): string {
  return refusal === "server-shutdown" ? "INFO server-shutdown" : `ERR ${refusal}`;
}

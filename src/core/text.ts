/**
 * The core's rules for text, whatever door it came through: what a
 * username may be, how names compare, what may be relayed to other users.
 */

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

/** Whether two names are one, as names are compared (nameKey). */
export function sameName(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}


import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseSync } from "@swc/core";

/**
 * The core and the plugins speak the core's language (typed commands,
 * replies and events), never a door's: no wire line and no door's name in
 * their string literals. Imports are checked by the dependency rules
 * (.dependency-cruiser.cjs: the core and the plugins import no adapter);
 * this checks the text they could still write. See docs/PLUGINS.md, "The
 * core speaks no door's words", for what it catches and what it misses.
 */

const ROOT = join(__dirname, "..", "..");

/** A literal that is, or starts, a line of a door's protocol. */
const WIRE_TEXT: readonly RegExp[] = [
  // The line protocol's answers and events (its verbs alone are the core's own words, and allowed).
  /^(OK|PONG)$/,
  /^(ERR|INFO|USER|MEMBER|ROOM|HISTORY|TOKEN|RESUMED|END|MSG|DM) /,
  // IRC: a numeric, alone or in a line, and the lines a server sends.
  /^\d{3}$/,
  /^:\S* \d{3} /,
  / (PRIVMSG|NOTICE|JOIN|PART|QUIT|PONG|NICK) /,
  /^ERROR :/,
];

/** Names of doors (transports, protocols), as a literal. */
const DOOR_NAMES = new Set(["line", "irc", "tcp", "tls", "ws", "wss", "websocket", "web", "http", "https", "json"]);

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => join(folder, file));
}

/** Every string literal of a file, and the literal text of every template (each part between its holes). */
function literals(file: string): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    const { type } = node as { type?: string };
    if (type === "StringLiteral") found.push((node as { value: string }).value);
    if (type === "TemplateElement") found.push((node as { cooked?: string; raw: string }).cooked ?? (node as { raw: string }).raw);
    for (const value of Object.values(node)) visit(value);
  };
  visit(parseSync(readFileSync(join(ROOT, file), "utf8"), { syntax: "typescript", decorators: true }));
  return found;
}

/** What a literal holds of a door's words, or null. */
function doorWords(literal: string): string | null {
  if (DOOR_NAMES.has(literal.toLowerCase())) return "a door's name";
  return WIRE_TEXT.some((pattern) => pattern.test(literal)) ? "wire text" : null;
}

describe("the core and the plugins speak no door's words", () => {
  const files = [...sources("src/core"), ...sources("src/plugins")];

  it("finds the files it checks", () => {
    expect(files).toContain(join("src", "core", "session.ts"));
    expect(files).toContain(join("src", "plugins", "rooms.ts"));
    expect(literals(join("src", "plugins", "rooms.ts"))).toEqual(expect.arrayContaining(["invalid-room", "already-in-room", "MSG"]));
  });

  it.each(files.map((file) => [relative(ROOT, join(ROOT, file))]))("%s", (file) => {
    const offending = literals(file)
      .map((literal) => ({ literal, what: doorWords(literal) }))
      .filter(({ what }) => what !== null);
    expect(offending).toEqual([]);
  });

  it.each([
    ["OK", "wire text"],
    ["ERR ", "wire text"],
    ["ERR unknown-command", "wire text"],
    ["INFO bye", "wire text"],
    ["USER ", "wire text"],
    ["END WHO", "wire text"],
    ["MSG ", "wire text"],
    ["401", "wire text"],
    [":server 433 * alice :Nickname is already in use", "wire text"],
    [" PRIVMSG ", "wire text"],
    ["ERROR :Closing Link", "wire text"],
    ["irc", "a door's name"],
    ["line", "a door's name"],
    ["WebSocket", "a door's name"],
  ])("would catch %j (%s)", (literal, what) => {
    expect(doorWords(literal)).toBe(what);
  });

  it.each(["MSG", "DM", "WHO", "PING", "user-not-found", "everyone", "a line of text", "text"])("lets the core's own word %j be", (literal) => {
    expect(doorWords(literal)).toBeNull();
  });
});

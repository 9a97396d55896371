import { escapeEveryone } from "../client-shared/escape";

/**
 * A line for the server: `ok` says what its `OK` means; `says`, for a
 * message (`MSG`, `DM`), is the line as typed, to name it if it is refused;
 * `rename`, for `NICK`, the name the user goes by once it is answered `OK`.
 */
export interface Send {
  readonly send: string;
  readonly ok?: string;
  readonly says?: string;
  readonly rename?: string;
}

/** What a line typed by the user becomes. */
export type Input = Send | { readonly local: string } | { readonly quit: true } | { readonly nothing: true };

export const HELP = [
  "text            say it to everyone",
  "#room text      say it in a room you joined (rooms plugin)",
  "\\#text          say #text to everyone",
  "/dm user text   say it to one user",
  "/who            who is online",
  "/nick name      go by another name",
  "/join #room     join a room; /part #room to leave it; /rooms to list them",
  "/raw LINE       send LINE to the server as it is",
  "//text          say text that starts with /",
  "/quit           leave (Ctrl-D too)",
  "/help           this",
].join("\n");

/** Maps friendly input to the protocol. */
export function parseInput(typed: string): Input {
  const line = typed.trim();
  if (line === "") return { nothing: true };
  const toEveryone = (text: string): Send => ({ send: `MSG ${escapeEveryone(text)}`, says: line });
  // `/` starts a command and `#` a room's message: `//text` and `\#text` say text that starts with them to everyone.
  if (line.startsWith("//") || /^\\+#/.test(line)) return toEveryone(line.slice(1));
  if (line.startsWith("#")) return { send: `MSG ${line}`, says: line };
  if (!line.startsWith("/")) return toEveryone(line);
  const space = line.indexOf(" ");
  const command = (space === -1 ? line : line.slice(0, space)).toLowerCase();
  const args = space === -1 ? "" : line.slice(space + 1).trim();
  switch (command) {
    case "/dm":
    case "/msg": {
      const [user, ...words] = args.split(/\s+/);
      return user && words.length > 0 ? { send: `DM ${user} ${words.join(" ")}`, says: line } : { local: "usage: /dm <user> <text>" };
    }
    case "/who":
      return { send: "WHO" };
    case "/nick":
      return args === "" ? { local: "usage: /nick <name>" } : { send: `NICK ${args}`, ok: `you are now ${args}`, rename: args };
    case "/rooms":
      return { send: "ROOMS" };
    case "/join":
    case "/part":
      if (args === "") return { local: `usage: ${command} #room` };
      return { send: `${command.slice(1).toUpperCase()} ${args}`, ok: `${command === "/join" ? "you joined" : "you left"} ${args.toLowerCase()}` };
    case "/raw":
      return args === "" ? { local: "usage: /raw <line>" } : { send: args };
    case "/quit":
    case "/exit":
      return { quit: true };
    case "/help":
      return { local: HELP };
    default:
      return { local: `unknown command ${command} (try /help)` };
  }
}

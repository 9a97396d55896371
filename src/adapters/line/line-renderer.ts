import { isForEveryone, rendererId, type ChatEvent, type Renderer } from "../../core/events";
import type { PluginEventRendering } from "../../core/ports/transport.port";
import { encodeLineAlone, everyoneLines } from "../wire/shared-lines";
import { escapeEveryoneText } from "./line-text";

/** The renderings of a plugin's kinds this door looks for, in order (docs/PLUGINS.md). */
export const LINE_RENDERINGS: readonly string[] = Object.freeze(["line", "text"]);

/** The text of the line the line protocol shows for `event`, or null. */
function lineOf(event: ChatEvent, plugins: PluginEventRendering): string | null {
  switch (event.type) {
    case "message": {
      const { from, to, text } = event;
      if (to.kind === "everyone") return `MSG ${from} ${escapeEveryoneText(text)}`;
      if (to.kind === "group") return `MSG ${from} ${to.group} ${text}`;
      return `DM ${from} ${text}`;
    }
    case "notice":
      return event.text;
    case "login":
      return null; // the line protocol announces no logins
    case "outside":
      return null; // nor anyone's leaving everyone: every line-protocol user is in it
    case "renamed":
      return `INFO ${event.user} is now ${event.name}`;
    case "departure":
      return event.users.map(({ username }) => `INFO ${username} disconnected`).join("\n");
    case "joined":
      return `INFO ${event.user} joined ${event.group}`;
    case "parted":
      return `INFO ${event.user} left ${event.group}`;
    case "mode":
      return null; // the line protocol shows no room's operators or modes
    case "plugin":
      return plugins.render(event.plugin, event.name, LINE_RENDERINGS, event.data);
  }
}

/**
 * The line protocol's rendering of events (docs/PROTOCOL.md), spoken over
 * TCP and WebSocket. What goes to everyone is written into the shared slabs
 * (every recipient's lines stay contiguous); anything else into memory of
 * its own.
 */
export class LineRenderer implements Renderer {
  readonly id = rendererId();
  readonly showsLogins = false;

  constructor(private readonly plugins: PluginEventRendering) {}

  render(event: ChatEvent): Uint8Array | null {
    const line = lineOf(event, this.plugins);
    if (line === null) return null;
    return isForEveryone(event) ? everyoneLines.encode(line) : encodeLineAlone(line);
  }
}

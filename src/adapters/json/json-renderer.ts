import { isForEveryone, rendererId, type ChatEvent, type MessageTarget, type PluginEventData, type Renderer } from "../../core/events";
import type { PluginEventRendering } from "../../core/ports/transport.port";
import { encodeLineAlone, SharedLines } from "../wire/shared-lines";
import type { EventFrame, PluginReply, Target } from "./json-schema";

/** The renderings of a plugin's kinds this API looks for, in order (docs/PLUGINS.md): the `text` of its frames. */
const JSON_RENDERINGS: readonly string[] = Object.freeze(["json", "text"]);

/** A time in epoch milliseconds as the API writes it: ISO 8601, UTC. */
export function isoTime(at: number): string {
  return new Date(at).toISOString();
}

function targetOf(to: MessageTarget): Target {
  return to.kind === "everyone" ? "everyone" : to.kind === "group" ? { room: to.group } : { user: to.username };
}

/** A plugin's own kind of answer or event, as a frame: its data, and its text for this API (or null). */
export function pluginFrame(plugin: string, name: string, data: PluginEventData, plugins: PluginEventRendering): PluginReply {
  return { type: "plugin", plugin, name, data, text: plugins.render(plugin, name, JSON_RENDERINGS, data) };
}

/** The frames the API shows for `event`, its id and time first: one, or one per user for a departure. */
function framesOf(event: ChatEvent, plugins: PluginEventRendering): EventFrame[] {
  const { id } = event;
  const at = isoTime(event.at);
  switch (event.type) {
    case "message": {
      const { from, to, text, notice } = event;
      return [{ type: "message", id, at, from, to: targetOf(to), text, ...(notice === true && { notice }) }];
    }
    case "notice":
      return [{ type: "notice", id, at, to: targetOf(event.to), text: event.text }];
    case "login":
      return [{ type: "arrived", id, at, user: event.user, ...(event.signedIn === true && { signedIn: true }) }];
    case "renamed":
      return [{ type: "renamed", id, at, user: event.user, name: event.name }];
    case "outside":
      return []; // the API shows no place for everyone, that users leave or come back to
    case "departure":
      return event.users.map(({ username, reason, message }) => ({ type: "left", id, at, user: username, reason, ...(message !== undefined && { message }) }));
    case "joined":
      return [{ type: "joined", id, at, user: event.user, room: event.group }];
    case "parted":
      return [{ type: "parted", id, at, user: event.user, room: event.group, ...(event.message !== undefined && { message: event.message }) }];
    case "mode":
      return [{ type: "mode", id, at, by: event.by, room: event.group, ...event.change }];
    case "plugin": {
      const { type, plugin, name, data, text } = pluginFrame(event.plugin, event.name, event.data, plugins);
      return [{ type, id, at, plugin, name, to: targetOf(event.to), data, text }];
    }
  }
}

/**
 * The JSON API's rendering of events (docs/API.md): each a JSON object on a
 * line of its own, which the door sends as a text frame. It shows logins.
 * What goes to everyone is written into shared slabs of its own, as the
 * line protocol's lines are (see SharedLines); anything else into memory of
 * its own.
 */
export class JsonRenderer implements Renderer {
  readonly id = rendererId();
  readonly showsLogins = true;
  private readonly shared = new SharedLines();

  constructor(private readonly plugins: PluginEventRendering) {}

  render(event: ChatEvent): Uint8Array | null {
    const frames = framesOf(event, this.plugins);
    if (frames.length === 0) return null;
    const text = frames.map((frame) => JSON.stringify(frame)).join("\n");
    return isForEveryone(event) ? this.shared.encode(text) : encodeLineAlone(text);
  }
}

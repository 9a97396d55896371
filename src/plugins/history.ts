import { definePlugin } from "../core/plugin-api";
import type { SaidBefore } from "../core/language";

/** A message as the plugin's list keeps it: JSON of its sender, text, id and time. */
function kept(message: Required<SaidBefore>): string {
  return JSON.stringify(message);
}

/** A kept message, or null for an item this version cannot read (one kept by an earlier version: skipped, not fatal to the replay). */
function saidBefore(item: string): SaidBefore | null {
  try {
    const message = JSON.parse(item) as Partial<SaidBefore> | null;
    return typeof message?.from === "string" && typeof message.text === "string" ? (message as SaidBefore) : null;
  } catch {
    return null;
  }
}

/** What a replayed message's line takes besides its sender and text: the line protocol's `HISTORY `, a space and its LF, as the bound was first measured. */
const HEAD_BYTES = 10;

/**
 * The newest messages that fit in `maxBytes` (UTF-8, each measured as the
 * sender, the text and HEAD_BYTES: about what a line shows), oldest first.
 */
function fitting(messages: readonly SaidBefore[], maxBytes: number): readonly SaidBefore[] {
  let bytes = 0;
  let first = messages.length;
  while (first > 0) {
    const { from, text } = messages[first - 1]!;
    if ((bytes += Buffer.byteLength(from) + Buffer.byteLength(text) + HEAD_BYTES) > maxBytes) break;
    first--;
  }
  return messages.slice(first);
}

/**
 * The last messages to everyone, replayed to each user right after its
 * login: oldest first. Kept in the plugin's list (`api.lists`): in memory
 * on one server, in Redis in a cluster, so that every node replays the same
 * and a node's restart loses none. Messages to a user (DMs) or to a room
 * are never kept. `size` can change while the server runs (SIGHUP). A
 * replay is at most `maxReplayBytes` (the newest that fit): it is written
 * in one go, before the server can tell whether the client reads.
 */
export const historyPlugin = definePlugin({
  name: "history",
  dependencies: ["login"],
  options: {
    size: { type: "integer", default: 20, min: 0, max: 10_000 },
    maxReplayBytes: { type: "integer", default: 64 * 1024, min: 0, max: 16 * 1024 * 1024 },
  },
  register({ hooks, options, onOptionsChange, lists, logger }) {
    let { size, maxReplayBytes } = options;
    onOptionsChange((changed) => ({ size, maxReplayBytes } = changed));

    hooks.onMessage(({ from, to, text, id, at }) => {
      if (to.kind === "everyone") lists.push("messages", kept({ from: from.username!, text, id, at }), size);
    });

    hooks.onLogin(async ({ session }) => {
      let messages: readonly SaidBefore[] = [];
      try {
        const items = (await lists.newest("messages", size)).map(saidBefore);
        messages = fitting(items.filter((message) => message !== null), maxReplayBytes);
      } catch (error) {
        logger.warn({ err: error }, "the history could not be read");
      }
      session.reply({ kind: "history", messages });
    });
  },
});

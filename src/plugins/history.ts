import { definePlugin } from "../core/plugin-api";
import type { SaidBefore } from "../core/language";

/** A message as the plugin's list keeps it: the sender's name (it has no space), a space, the text. */
function kept({ from, text }: SaidBefore): string {
  return `${from} ${text}`;
}

function saidBefore(item: string): SaidBefore {
  const space = item.indexOf(" ");
  return { from: item.slice(0, space), text: item.slice(space + 1) };
}

/**
 * The newest messages whose text fits in `maxBytes` (UTF-8, as kept, one
 * byte more each for its line's end: about what a line shows), oldest first.
 */
function fitting(items: readonly string[], maxBytes: number): readonly string[] {
  let bytes = 0;
  let first = items.length;
  while (first > 0 && (bytes += Buffer.byteLength(items[first - 1]!) + HEAD_BYTES) <= maxBytes) first--;
  return items.slice(first);
}

/** What a replayed message's line takes besides what is kept: the line protocol's `HISTORY ` and its LF, as the bound was first measured. */
const HEAD_BYTES = 9;

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

    hooks.onMessage(({ from, to, text }) => {
      if (to.kind === "everyone") lists.push("messages", kept({ from: from.username!, text }), size);
    });

    hooks.onLogin(async ({ session }) => {
      let items: readonly string[] = [];
      try {
        items = fitting(await lists.newest("messages", size), maxReplayBytes);
      } catch (error) {
        logger.warn({ err: error }, "the history could not be read");
      }
      session.reply({ kind: "history", messages: items.map(saidBefore) });
    });
  },
});

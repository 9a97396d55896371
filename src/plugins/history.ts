import { definePlugin } from "../core/plugin-api";

/** The newest lines whose text fits in `maxBytes` (UTF-8, line endings counted), oldest first. */
function fitting(lines: readonly string[], maxBytes: number): readonly string[] {
  let bytes = 0;
  let first = lines.length;
  while (first > 0 && (bytes += Buffer.byteLength(lines[first - 1]!) + 1) <= maxBytes) first--;
  return lines.slice(first);
}

/**
 * The last messages to everyone, replayed to each user right after its
 * `OK`: `HISTORY <user> <text>` lines, oldest first, then `END HISTORY`.
 * Kept in the plugin's list (`api.lists`): in memory on one server, in
 * Redis in a cluster, so that every node replays the same lines and a
 * node's restart loses none. Messages to a user (DMs) or to a room are
 * never kept. `size` can change while the server runs (SIGHUP). A replay
 * is at most `maxReplayBytes` (the newest lines that fit): it is written in
 * one go, before the server can tell whether the client reads.
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
      if (to.kind === "everyone") lists.push("messages", `HISTORY ${from.username} ${text}`, size);
    });

    hooks.onLogin(async ({ session }) => {
      let lines: readonly string[] = [];
      try {
        lines = fitting(await lists.newest("messages", size), maxReplayBytes);
      } catch (error) {
        logger.warn({ err: error }, "the history could not be read");
      }
      session.replyLines([...lines, "END HISTORY"]);
    });
  },
});

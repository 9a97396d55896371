import { definePlugin } from "../core/plugin-api";

/**
 * The last messages to everyone, replayed to each user right after its
 * `OK`: `HISTORY <user> <text>` lines, oldest first, then `END HISTORY`.
 * Kept in memory only, in a ring of `size` lines.
 */
export const historyPlugin = definePlugin({
  name: "history",
  dependencies: ["login"],
  options: { size: { type: "integer", default: 20, min: 0, max: 10_000 } },
  register({ hooks, options }) {
    const ring: string[] = new Array<string>(options.size);
    let next = 0;
    let count = 0;

    hooks.onMessage(({ from, to, text }) => {
      if (to.kind !== "everyone" || options.size === 0) return;
      ring[next] = `HISTORY ${from.username} ${text}`;
      next = (next + 1) % options.size;
      count = Math.min(count + 1, options.size);
    });

    hooks.onLogin(({ session }) => {
      const oldest = (next - count + options.size) % (options.size || 1);
      const lines = Array.from({ length: count }, (_, i) => ring[(oldest + i) % options.size]!);
      session.replyLines([...lines, "END HISTORY"]);
    });
  },
});

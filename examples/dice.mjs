// @ts-check
/**
 * An example plugin from outside the server's source: dice for the room.
 * No build step and no import of the server at run time: a plugin is a
 * plain object, and the types come from the package for the editor only.
 *
 * Enable it with one line in plugins.config.json (a path is found from the
 * file's directory):
 *
 *   { "plugins": ["login", "msg", "who", "dm", "ping", "quit", "./examples/dice.mjs"],
 *     "options": { "dice": { "maxSides": 100 } } }
 *
 * or for one run: chat-server --plugins login,msg,./examples/dice.mjs
 */

/** @type {import("chat-server").ChatPlugin<{ maxSides: { type: "integer", default: number, min: number, max: number } }>} */
export default {
  name: "dice",
  dependencies: ["login"],
  options: { maxSides: { type: "integer", default: 100, min: 2, max: 1_000_000 } },
  register({ commands, hooks, events, options }) {
    // An event of the plugin's own, and how each protocol shows it.
    events.define("rolled", {
      line: ({ user, result, sides }) => `ROLLED ${user} ${result} d${sides}`,
      irc: ({ user, result, sides }) => `${user} rolls a d${sides}: ${result}`,
    });

    // ROLL [sides]: everyone sees the throw, the roller included.
    commands.add({
      verb: "ROLL",
      async handle({ session, args }) {
        const sides = args === "" ? 6 : Number(args);
        if (!Number.isInteger(sides) || sides < 2 || sides > options.maxSides) {
          session.reply(`ERR invalid-sides 2-${options.maxSides}`);
          return;
        }
        const result = 1 + Math.floor(Math.random() * sides);
        await events.emit("rolled", { kind: "everyone" }, { user: session.username ?? "", result, sides });
      },
    });

    // A hook on every chat message: "/shrug" becomes the shrug.
    hooks.beforeMessage(({ text }) => (text.includes("/shrug") ? { text: text.replaceAll("/shrug", "¯\\_(ツ)_/¯") } : undefined));
  },
};

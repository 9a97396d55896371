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
    // An event of the plugin's own, and how doors show it: the line
    // protocol's own line, IRC's notice, and a default for any other door.
    events.define("rolled", {
      line: ({ user, result, sides }) => `ROLLED ${user} ${result} d${sides}`,
      irc: ({ user, result, sides }) => `${user} rolls a d${sides}: ${result}`,
      text: ({ user, result, sides }) => `${user} rolled ${result} on a d${sides}`,
    });

    // ROLL [sides]: everyone sees the throw, the roller included. Its
    // parameters are named: a door splits what the client sent into them.
    commands.add({
      verb: "ROLL",
      params: ["sides"],
      async handle({ session, params: [given] }) {
        const sides = given === "" ? 6 : Number(given);
        if (!Number.isInteger(sides) || sides < 2 || sides > options.maxSides) {
          // An error with a code and what it is about: the line protocol
          // says `ERR invalid-sides 2-100`, IRC a notice.
          session.reply({ kind: "error", code: "invalid-sides", subject: `2-${options.maxSides}` });
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

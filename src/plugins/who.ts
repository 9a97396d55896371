import { definePlugin } from "../core/plugin-api";

/**
 * `WHO`: every logged-in user, in login order. `WHOIS <name>...`: those of
 * the names given (at most 16) that are online, looked up one by one: what
 * it costs does not grow with the number of users.
 */
export const whoPlugin = definePlugin({
  name: "who",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "WHO",
      params: [],
      // One line per user to write: ten of the flood budget, so that a
      // client can list the users once a second at the default rate.
      cost: 10,
      async handle({ session }) {
        session.reply({ kind: "users", users: await room.users() });
      },
    });
    commands.add({
      verb: "WHOIS",
      params: ["names"],
      async handle({ session, params: [names] }) {
        const asked = names!.split(" ").filter((name) => name !== "").slice(0, MAX_NAMES);
        session.reply({ kind: "users", users: await room.find(asked) });
      },
    });
  },
});

/** Names one WHOIS looks up at most. */
const MAX_NAMES = 16;

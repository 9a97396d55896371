import { definePlugin } from "../core/plugin-api";

/** `WHO`: one `USER <name>` per logged-in user in login order, then `END WHO`. */
export const whoPlugin = definePlugin({
  name: "who",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "WHO",
      // One line per user to write: ten of the flood budget, so that a
      // client can list the users once a second at the default rate.
      cost: 10,
      async handle({ session }) {
        const users = await room.users();
        session.replyLines([...users.map((user) => `USER ${user}`), "END WHO"]);
      },
    });
  },
});

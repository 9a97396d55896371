import { definePlugin } from "../core/plugin-api";

/** `WHO`: one `USER <name>` per logged-in user in login order, then `END WHO`. */
export const whoPlugin = definePlugin({
  name: "who",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "WHO",
      async handle({ session }) {
        const users = await room.users();
        session.replyLines([...users.map((user) => `USER ${user}`), "END WHO"]);
      },
    });
  },
});

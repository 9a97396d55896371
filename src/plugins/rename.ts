import { definePlugin } from "../core/plugin-api";
import { outcomeReply } from "../core/language";

/**
 * `NICK <username>`: the user goes by another name from now on, claimed as
 * a login's is; answered `ok`, or an error with the reason. The user keeps
 * its rooms and its resume token; everyone else is told (a `renamed` event).
 */
export const renamePlugin = definePlugin({
  name: "rename",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "NICK",
      params: ["username"],
      async handle({ session, params: [username] }) {
        const result = await room.rename(session, username!);
        session.reply(outcomeReply(result));
      },
    });
  },
});

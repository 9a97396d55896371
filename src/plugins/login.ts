import { definePlugin } from "../core/plugin-api";
import { outcomeReply } from "../core/language";

/** `LOGIN <username>`: claims a name; answered `ok`, or an error with the reason. */
export const loginPlugin = definePlugin({
  name: "login",
  register({ commands, room }) {
    commands.add({
      verb: "LOGIN",
      params: ["username"],
      requiresLogin: false,
      async handle({ session, params: [username] }) {
        const result = await room.login(session, username!);
        session.reply(outcomeReply(result));
      },
    });
  },
});

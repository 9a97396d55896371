import { definePlugin } from "../core/plugin-api";

/** `LOGIN <username>`: claims a name; `OK` or `ERR <reason>`. */
export const loginPlugin = definePlugin({
  name: "login",
  register({ commands, room }) {
    commands.add({
      verb: "LOGIN",
      requiresLogin: false,
      async handle({ session, args }) {
        const result = await room.login(session, args);
        session.reply(result === "ok" ? "OK" : `ERR ${result}`);
      },
    });
  },
});

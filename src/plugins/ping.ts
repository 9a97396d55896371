import { definePlugin } from "../core/plugin-api";
import { PONG } from "../core/language";

/** `PING`: answered `pong`, before login too; any command resets the idle timer. */
export const pingPlugin = definePlugin({
  name: "ping",
  register({ commands }) {
    commands.add({
      verb: "PING",
      params: [],
      requiresLogin: false,
      handle({ session }) {
        session.reply(PONG);
      },
    });
  },
});

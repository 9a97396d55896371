import { definePlugin } from "../core/plugin-api";

/** `PING`: answered `PONG`, before login too; any line resets the idle timer. */
export const pingPlugin = definePlugin({
  name: "ping",
  register({ commands }) {
    commands.add({
      verb: "PING",
      requiresLogin: false,
      handle({ session }) {
        session.reply("PONG");
      },
    });
  },
});

import { definePlugin } from "../core/plugin-api";
import { BYE } from "../core/language";

/** `QUIT`: told `bye`, then the server closes; the others learn the user left. */
export const quitPlugin = definePlugin({
  name: "quit",
  register({ commands }) {
    commands.add({
      verb: "QUIT",
      params: [],
      requiresLogin: false,
      handle({ session }) {
        session.end("quit", BYE);
      },
    });
  },
});

import { definePlugin } from "../core/plugin-api";

/** `QUIT`: `INFO bye`, then the server closes; the others learn the user left. */
export const quitPlugin = definePlugin({
  name: "quit",
  register({ commands }) {
    commands.add({
      verb: "QUIT",
      requiresLogin: false,
      handle({ session }) {
        session.end("quit", "INFO bye");
      },
    });
  },
});

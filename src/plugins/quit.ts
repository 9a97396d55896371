import { definePlugin } from "../core/plugin-api";
import { BYE } from "../core/language";

/** `QUIT [message]`: told `bye`, then the server closes; the others learn the user left (and its message, where their door shows it). */
export const quitPlugin = definePlugin({
  name: "quit",
  register({ commands }) {
    commands.add({
      verb: "QUIT",
      params: ["message"],
      requiresLogin: false,
      handle({ session, params: [message] }) {
        session.end("quit", BYE, message);
      },
    });
  },
});

import { definePlugin } from "../core/plugin-api";
import { BYE } from "../core/language";
import { relayableText } from "../core/text";

/** `QUIT [message]`: told `bye`, then the server closes; the others learn the user left (and its message, where their door shows it). */
export const quitPlugin = definePlugin({
  name: "quit",
  register({ commands }) {
    commands.add({
      verb: "QUIT",
      params: ["message"],
      requiresLogin: false,
      handle({ session, params: [message] }) {
        // Shown to others: no control character (a CR LF would be a line of its own on IRC).
        session.end("quit", BYE, relayableText(message!));
      },
    });
  },
});

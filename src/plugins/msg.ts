import { definePlugin } from "../core/plugin-api";
import { relayableText } from "../core/protocol/text";

/** `MSG <text>`: everyone else logged in receives `MSG <sender> <text>`; no echo. */
export const msgPlugin = definePlugin({
  name: "msg",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "MSG",
      handle({ session, args }) {
        const text = relayableText(args);
        if (text === "") {
          session.reply("ERR empty-message");
          return;
        }
        room.broadcast(session, `MSG ${session.username} ${text}`);
      },
    });
  },
});

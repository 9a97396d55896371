import { definePlugin, type MessageTarget } from "../core/plugin-api";
import { relayableText, unescapeEveryoneText } from "../core/protocol/text";

const EVERYONE: MessageTarget = Object.freeze({ kind: "everyone" });

/**
 * `MSG <text>`: everyone else logged in receives `MSG <sender> <text>`; no
 * echo. `MSG \#1 ...` says `#1 ...` (the escape for a text that starts with
 * `#`, which the rooms plugin would take for a room).
 */
export const msgPlugin = definePlugin({
  name: "msg",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "MSG",
      async handle({ session, args }) {
        const text = unescapeEveryoneText(relayableText(args));
        if (text === "") {
          session.reply("ERR empty-message");
          return;
        }
        const result = await room.send({ from: session, to: EVERYONE, text });
        if (result.status === "refused") session.reply(result.reply);
      },
    });
  },
});

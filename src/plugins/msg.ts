import { definePlugin, type MessageTarget } from "../core/plugin-api";
import { relayableText } from "../core/protocol/text";

const EVERYONE: MessageTarget = Object.freeze({ kind: "everyone" });

/** `MSG <text>`: everyone else logged in receives `MSG <sender> <text>`; no echo. */
export const msgPlugin = definePlugin({
  name: "msg",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "MSG",
      async handle({ session, args }) {
        const text = relayableText(args);
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

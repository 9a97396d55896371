import { definePlugin, sendReply, type MessageTarget } from "../core/plugin-api";
import { error } from "../core/language";
import { relayableText } from "../core/text";

const EVERYONE: MessageTarget = Object.freeze({ kind: "everyone" });

/**
 * `MSG <text>`: everyone else logged in receives it; no echo. A message to
 * a room (`MSG <room> <text>`, a form the rooms plugin adds) is the rooms
 * plugin's: without it, the room and the text are said to everyone, as the
 * client wrote them.
 */
export const msgPlugin = definePlugin({
  name: "msg",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "MSG",
      params: ["text"],
      async handle({ session, params }) {
        const text = relayableText(params.join(" "));
        if (text === "") {
          session.reply(error("empty-message"));
          return;
        }
        const answer = sendReply(await room.send({ from: session, to: EVERYONE, text }));
        if (answer !== null) session.reply(answer);
      },
    });
  },
});

import { definePlugin } from "../core/plugin-api";
import { echoWord, isValidUsername, relayableText, splitFirstWord } from "../core/protocol/text";

/** `DM <user> <text>`: only that user receives `DM <sender> <text>`. */
export const dmPlugin = definePlugin({
  name: "dm",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "DM",
      async handle({ session, args }) {
        const { word: target, rest } = splitFirstWord(args);
        const text = relayableText(rest);
        if (target === "" || text === "") {
          session.reply("ERR invalid-dm-format");
          return;
        }
        const notFound = `ERR user-not-found ${echoWord(target)}`;
        // A name nobody can have is not looked up.
        if (!isValidUsername(target)) {
          session.reply(notFound);
          return;
        }
        const result = await room.send({ from: session, to: { kind: "user", username: target }, text });
        if (result.status === "not-found") session.reply(notFound);
        else if (result.status === "refused") session.reply(result.reply);
      },
    });
  },
});

import { definePlugin, sendReply } from "../core/plugin-api";
import { error } from "../core/language";
import { isValidUsername, relayableText } from "../core/text";

/** `DM <user> <text>`: only that user receives it, from the sender. */
export const dmPlugin = definePlugin({
  name: "dm",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "DM",
      params: ["user", "text"],
      async handle({ session, params: [target, said] }) {
        const text = relayableText(said!);
        if (target === "" || text === "") {
          session.reply(error("invalid-dm-format"));
          return;
        }
        const notFound = error("user-not-found", target);
        // A name nobody can have is not looked up.
        if (!isValidUsername(target!)) {
          session.reply(notFound);
          return;
        }
        const result = await room.send({ from: session, to: { kind: "user", username: target! }, text });
        const answer = result.status === "not-found" ? notFound : sendReply(result);
        if (answer !== null) session.reply(answer);
      },
    });
  },
});

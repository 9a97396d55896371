import { definePlugin, sendReply, type MessageTarget, type RoomApi, type SessionHandle } from "../core/plugin-api";
import { error, type ErrorReply } from "../core/language";
import { isValidUsername, relayableText } from "../core/text";

const EVERYONE: MessageTarget = Object.freeze({ kind: "everyone" });

/** Where a NOTICE goes: `*` everyone, `#room` a room the sender is in, else a user; or why it goes nowhere. */
function noticeTarget(target: string, session: SessionHandle, room: RoomApi): MessageTarget | ErrorReply {
  if (target === "*") return EVERYONE;
  if (target.startsWith("#")) return room.isMember(session, target) ? { kind: "group", group: target } : error("not-in-room", target);
  return isValidUsername(target) ? { kind: "user", username: target } : error("user-not-found", target);
}

/**
 * `MSG <text>`: everyone else logged in receives it; no echo. A message to
 * a room (`MSG <room> <text>`, a form the rooms plugin adds) is the rooms
 * plugin's: without it, the room and the text are said to everyone, as the
 * client wrote them. `NOTICE <target> <text>` (`*` for everyone, a room, or
 * a user): a message no client answers by itself (IRC's NOTICE), answered
 * as MSG and DM are.
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
    commands.add({
      verb: "NOTICE",
      params: ["target", "text"],
      async handle({ session, params: [target, said] }) {
        const text = relayableText(said!);
        if (target === "" || text === "") return session.reply(error("empty-message"));
        const to = noticeTarget(target!, session, room);
        if ("code" in to) return session.reply(to);
        const result = await room.send({ from: session, to, text, notice: true });
        const answer = result.status === "not-found" ? error("user-not-found", target) : sendReply(result);
        if (answer !== null) session.reply(answer);
      },
    });
  },
});

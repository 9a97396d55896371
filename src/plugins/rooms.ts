import { definePlugin } from "../core/plugin-api";
import { nameKey, relayableText, splitFirstWord } from "../core/protocol/text";

/** `#` then 1 to 32 letters, digits, `_` or `-`. */
const ROOM_NAME = /^#[A-Za-z0-9_-]{1,32}$/;

/** A room's name as the server shows it: lower-case, so that `#Dev` and `#dev` are one room. */
function roomName(word: string): string | null {
  return ROOM_NAME.test(word) ? nameKey(word) : null;
}

/**
 * Chat rooms: `JOIN #room`, `PART #room`, `ROOMS`, `MEMBERS #room`, and
 * `MSG #room <text>` for the members only (they receive
 * `MSG <user> #room <text>`). A plain `MSG` still goes to everyone. Rooms live in the delivery port's groups,
 * so they span every node that shares it.
 */
export const roomsPlugin = definePlugin({
  name: "rooms",
  dependencies: ["login", "msg"],
  register({ commands, room }) {
    commands.add({
      verb: "JOIN",
      async handle({ session, args }) {
        const name = roomName(args);
        if (name === null) return session.reply("ERR invalid-room");
        // The room tells the other members: INFO <user> joined <room>.
        session.reply((await room.join(session, name)) ? "OK" : `ERR already-in-room ${name}`);
      },
    });

    commands.add({
      verb: "PART",
      async handle({ session, args }) {
        const name = roomName(args);
        if (name === null) return session.reply("ERR invalid-room");
        // The room tells the remaining members: INFO <user> left <room>.
        session.reply((await room.part(session, name)) ? "OK" : `ERR not-in-room ${name}`);
      },
    });

    commands.add({
      verb: "ROOMS",
      cost: 10,
      async handle({ session }) {
        const rooms = await room.groups();
        session.replyLines([...rooms.map(({ name, members }) => `ROOM ${name} ${members}`), "END ROOMS"]);
      },
    });

    // MSG #room <text> goes to the room; any other MSG goes on to the msg plugin.
    commands.extend("MSG", async ({ session, args }, next) => {
      const { word, rest } = splitFirstWord(args);
      if (!word.startsWith("#")) return next();
      const name = roomName(word);
      if (name === null) return session.reply("ERR invalid-room");
      if (!room.isMember(session, name)) return session.reply(`ERR not-in-room ${name}`);
      const text = relayableText(rest);
      if (text === "") return session.reply("ERR empty-message");
      const result = await room.send({ from: session, to: { kind: "group", group: name }, text });
      if (result.status === "refused") session.reply(result.reply);
    });

    commands.add({
      verb: "MEMBERS",
      cost: 10,
      async handle({ session, args }) {
        const name = roomName(args);
        if (name === null) return session.reply("ERR invalid-room");
        const members = await room.members(name);
        session.replyLines([...members.map((member) => `MEMBER ${member}`), "END MEMBERS"]);
      },
    });
  },
});

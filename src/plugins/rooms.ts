import { definePlugin, sendReply } from "../core/plugin-api";
import { error, OK, WITH_PROFILES } from "../core/language";
import { nameKey, relayableText } from "../core/text";

/** `#` then 1 to 32 letters, digits, `_` or `-`. */
const ROOM_NAME = /^#[A-Za-z0-9_-]{1,32}$/;

/** A room's name as the server shows it: lower-case, so that `#Dev` and `#dev` are one room. */
function roomName(word: string): string | null {
  return ROOM_NAME.test(word) ? nameKey(word) : null;
}

const INVALID_ROOM = Object.freeze(error("invalid-room"));
const EMPTY_MESSAGE = Object.freeze(error("empty-message"));

/**
 * Chat rooms: `JOIN <room>`, `PART <room>`, `ROOMS`, `MEMBERS <room>`, and
 * `MSG <room> <text>` for the members only. A message to everyone still
 * goes to everyone. Rooms live in the delivery port's groups, so they span
 * every node that shares it.
 */
export const roomsPlugin = definePlugin({
  name: "rooms",
  dependencies: ["login", "msg"],
  register({ commands, room }) {
    commands.add({
      verb: "JOIN",
      params: ["room"],
      async handle({ session, params: [given] }) {
        const name = roomName(given!);
        if (name === null) return session.reply(INVALID_ROOM);
        // The room tells the other members (a joined event).
        session.reply((await room.join(session, name)) ? OK : error("already-in-room", name));
      },
    });

    commands.add({
      verb: "PART",
      params: ["room", "message"],
      async handle({ session, params: [given, message] }) {
        const name = roomName(given!);
        if (name === null) return session.reply(INVALID_ROOM);
        // The room tells the remaining members (a parted event, with the message where their door shows it).
        session.reply((await room.part(session, name, relayableText(message!))) ? OK : error("not-in-room", name));
      },
    });

    commands.add({
      verb: "ROOMS",
      params: [],
      cost: 10,
      async handle({ session }) {
        session.reply({ kind: "rooms", rooms: await room.groups() });
      },
    });

    // MSG <room> <text> goes to the room; a message to everyone goes on to the msg plugin.
    commands.extend(
      "MSG",
      async ({ session, params }, next) => {
        if (params.length !== 2) return next();
        const name = roomName(params[0]!);
        if (name === null) return session.reply(INVALID_ROOM);
        if (!room.isMember(session, name)) return session.reply(error("not-in-room", name));
        const text = relayableText(params[1]!);
        if (text === "") return session.reply(EMPTY_MESSAGE);
        const answer = sendReply(await room.send({ from: session, to: { kind: "group", group: name }, text }));
        if (answer !== null) session.reply(answer);
      },
      ["room", "text"],
    );

    commands.add({
      verb: "MEMBERS",
      // `MEMBERS <room> profiles`: with what each shows of itself (a door that lists them so, IRC's WHO).
      params: ["room", "detail"],
      cost: 10,
      async handle({ session, params: [given, detail] }) {
        const name = roomName(given!);
        if (name === null) return session.reply(INVALID_ROOM);
        const members = await room.members(name);
        if (detail !== WITH_PROFILES) return session.reply({ kind: "members", room: name, members });
        session.reply({ kind: "members", room: name, members, profiles: await room.profilesOf(members) });
      },
    });
  },
});

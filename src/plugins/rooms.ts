import { definePlugin, sendReply, type GroupModeChange, type GroupRoster, type SessionHandle } from "../core/plugin-api";
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
/** What those outside a secret room are told of it: what they would be of a room nobody is in. */
const NOBODY: GroupRoster = Object.freeze({ members: Object.freeze([]), operators: Object.freeze([]), secret: false });

/**
 * Chat rooms: `JOIN <room>`, `PART <room>`, `ROOMS`, `MEMBERS <room>`, and
 * `MSG <room> <text>` for the members only. A message to everyone still
 * goes to everyone. Rooms live in the delivery port's groups, so they span
 * every node that shares it. Whoever makes a room is its operator: an
 * operator makes others operators or not (`OP`, `DEOP <room> <user>`) and
 * the room secret or not (`SECRET`, `PUBLIC <room>`); a secret room is
 * listed (ROOMS) and shown (MEMBERS) to its members only.
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
        const rooms = await room.groups();
        session.reply({ kind: "rooms", rooms: rooms.filter(({ name, secret }) => !secret || room.isMember(session, name)) });
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
        const roster = await room.roster(name);
        const { members, operators, secret } = roster.secret && !room.isMember(session, name) ? NOBODY : roster;
        const answer = { kind: "members", room: name, members, operators, secret } as const;
        if (detail !== WITH_PROFILES) return session.reply(answer);
        session.reply({ ...answer, profiles: await room.profilesOf(members) });
      },
    });

    /** A change to a room's modes, asked by one of its operators: OK whether it changed anything or not (the members are told of a change), else why not. */
    async function changeMode(session: SessionHandle, given: string, change: GroupModeChange): Promise<void> {
      const name = roomName(given);
      if (name === null) return session.reply(INVALID_ROOM);
      const { status } = await room.changeMode(session, name, change);
      if (status === "not-operator") return session.reply(error("not-operator", name));
      if (status === "not-member") return session.reply(error("user-not-in-room", change.mode === "operator" ? change.user : undefined));
      session.reply(OK);
    }
    for (const [verb, on] of [["OP", true], ["DEOP", false]] as const) {
      commands.add({ verb, params: ["room", "user"], handle: ({ session, params: [given, user] }) => changeMode(session, given!, { mode: "operator", user: user!, on }) });
    }
    for (const [verb, on] of [["SECRET", true], ["PUBLIC", false]] as const) {
      commands.add({ verb, params: ["room"], handle: ({ session, params: [given] }) => changeMode(session, given!, { mode: "secret", on }) });
    }
  },
});

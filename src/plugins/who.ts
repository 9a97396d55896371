import { definePlugin } from "../core/plugin-api";
import { OK, WITH_PROFILES, type UserProfile } from "../core/language";
import { relayableText } from "../core/text";

/**
 * `WHO`: every logged-in user, in login order (`WHO profiles`: with what
 * each shows of itself, for a door that lists them so, IRC's WHO).
 * `WHOIS <name>...`: those of the names given (at most 16) that are online,
 * looked up one by one (what it costs does not grow with the number of
 * users), with their profiles and rooms. `AWAY [message]`: away with this
 * message, or back without one.
 */
export const whoPlugin = definePlugin({
  name: "who",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "WHO",
      params: ["detail"],
      // One line per user to write: ten of the flood budget, so that a
      // client can list the users once a second at the default rate.
      cost: 10,
      async handle({ session, params: [detail] }) {
        const users = await room.users();
        if (detail !== WITH_PROFILES) return session.reply({ kind: "users", users });
        session.reply({ kind: "users", users, profiles: await room.profilesOf(users) });
      },
    });
    commands.add({
      verb: "WHOIS",
      params: ["names"],
      async handle({ session, params: [names] }) {
        const asked = names!.split(" ").filter((name) => name !== "").slice(0, MAX_NAMES);
        const users = await room.find(asked);
        const [profiles, rooms] = await Promise.all([room.profilesOf(users), Promise.all(users.map((user) => room.roomsOf(user)))]);
        const withRooms = profiles.map((profile, i): UserProfile | null => (profile === null ? null : { ...profile, rooms: rooms[i]! }));
        session.reply({ kind: "users", users, profiles: withRooms });
      },
    });
    commands.add({
      verb: "AWAY",
      params: ["message"],
      handle({ session, params: [message] }) {
        room.setAway(session, relayableText(message!));
        session.reply(OK);
      },
    });
  },
});

/** Names one WHOIS looks up at most. */
const MAX_NAMES = 16;

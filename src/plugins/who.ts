import { definePlugin, type RoomApi, type SessionHandle } from "../core/plugin-api";
import { OK, WITH_PROFILES, type UserProfile } from "../core/language";
import { nameKey, relayableText } from "../core/text";

/**
 * `WHO`: every logged-in user, in login order (`WHO profiles`: with what
 * each shows of itself, for a door that lists them so, IRC's WHO; an
 * invisible user's says whether the asker shares a room with it).
 * `WHOIS <name>...`: those of the names given (at most 16) that are online,
 * looked up one by one (what it costs does not grow with the number of
 * users), with their profiles and rooms (a secret one only to its
 * members). `AWAY [message]`: away with this message, or back without one.
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
        session.reply({ kind: "users", users, profiles: await profilesFor(room, session, users) });
      },
    });
    commands.add({
      verb: "WHOIS",
      params: ["names"],
      async handle({ session, params: [names] }) {
        const asked = names!.split(" ").filter((name) => name !== "").slice(0, MAX_NAMES);
        const users = await room.find(asked);
        const [profiles, rooms] = await Promise.all([room.profilesOf(users), Promise.all(users.map((user) => room.roomsOf(user)))]);
        // A secret room is shown to its members only.
        const shown = rooms.map((memberships) => memberships.filter(({ group, secret }) => !secret || room.isMember(session, group)));
        const withRooms = profiles.map((profile, i): UserProfile | null => (profile === null ? null : { ...profile, rooms: shown[i]! }));
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

/**
 * The profiles of `users`, for a listing `session` asked for: an invisible
 * user's says whether `session` shares a room with it (see
 * UserProfile.sharesRoom), found from the members of `session`'s rooms
 * (a few lookups, only when someone listed is invisible).
 */
async function profilesFor(room: RoomApi, session: SessionHandle, users: readonly string[]): Promise<readonly (UserProfile | null)[]> {
  const profiles = await room.profilesOf(users);
  if (!profiles.some((profile) => profile?.invisible === true)) return profiles;
  const rooms = await room.roomsOf(session.username!);
  const mates = new Set((await Promise.all(rooms.map(({ group }) => room.members(group)))).flat().map(nameKey));
  return profiles.map((profile, at) => (profile?.invisible === true && mates.has(nameKey(users[at]!)) ? { ...profile, sharesRoom: true } : profile));
}

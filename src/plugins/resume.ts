import { definePlugin } from "../core/plugin-api";
import { EVENT_ID_PATTERN } from "../core/event-ids";
import { error } from "../core/language";
import type { ResumePoint } from "../core/resume-log";

/** A count of lines: digits only, at most what a number holds exactly. */
const COUNT = /^(0|[1-9][0-9]{0,14})$/;
/** An event's id: a ULID (see EventIds). */
const EVENT_ID = new RegExp(EVENT_ID_PATTERN);

/** Where the client says it got to: a count of lines, or the id of the last event it got; null if neither. */
function pointOf(received: string): ResumePoint | null {
  if (COUNT.test(received)) return { received: Number(received) };
  return EVENT_ID.test(received) ? { after: received } : null;
}

/**
 * Resumable sessions (docs/PROTOCOL.md, "Resuming a session").
 *
 * `RESUMABLE`, once logged in: answered with a token. From that answer on
 * (line 0), what the session is sent is kept, up to `--resume-buffer`
 * bytes. If the connection then drops (not QUIT, not a timeout or a kick),
 * the name stays taken for `--resume-grace` and nobody is told.
 *
 * `RESUME <token> <received>`, before login, on a new connection of the
 * protocol the session was made on: `<received>` is how many lines the
 * client got after the token's line, or the id of the last event it got
 * (doors that show ids). Answered `resumed` (its name and a new token;
 * line 0 again), then everything the client missed, in order, once; or
 * `resume-refused` with the reason: `unknown-token` (used, expired, never
 * issued), `other-protocol`, `gap-too-large` (more was missed than was
 * kept: log in afresh), `bad-count`, `unknown-event`, `disabled`.
 */
export const resumePlugin = definePlugin({
  name: "resume",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "RESUMABLE",
      params: [],
      handle({ session }) {
        const token = room.resumeToken(session);
        session.reply(token === null ? error("resume-refused", "disabled") : { kind: "token", token });
      },
    });
    commands.add({
      verb: "RESUME",
      params: ["token", "received"],
      requiresLogin: false,
      async handle({ session, params: [token, received] }) {
        const point = pointOf(received!);
        if (!token || point === null) {
          session.reply(error("invalid-resume-format"));
          return;
        }
        const result = await room.resume(session, token, point);
        if (result.status === "refused") {
          session.reply(result.reason === "already-logged-in" ? error("already-logged-in") : error("resume-refused", result.reason));
        }
      },
    });
  },
});

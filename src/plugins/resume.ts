import { definePlugin } from "../core/plugin-api";
import { error } from "../core/language";

/** A count of lines: digits only, at most what a number holds exactly. */
const COUNT = /^(0|[1-9][0-9]{0,14})$/;

/**
 * Resumable sessions (docs/PROTOCOL.md, "Resuming a session").
 *
 * `RESUMABLE`, once logged in: answered with a token. From that answer on
 * (line 0), what the session is sent is kept, up to `--resume-buffer`
 * bytes. If the connection then drops (not QUIT, not a timeout or a kick),
 * the name stays taken for `--resume-grace` and nobody is told.
 *
 * `RESUME <token> <received>`, before login, on a new connection:
 * `<received>` is how many lines the client got after the token's line.
 * Answered `resumed` (its name and a new token; line 0 again), then every
 * line the client missed, in order, once; or `resume-refused` with the
 * reason: `unknown-token` (used, expired, never issued), `gap-too-large`
 * (more was missed than was kept: log in afresh), `bad-count`, `disabled`.
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
        if (!token || !COUNT.test(received!)) {
          session.reply(error("invalid-resume-format"));
          return;
        }
        const result = await room.resume(session, token, Number(received));
        if (result.status === "refused") {
          session.reply(result.reason === "already-logged-in" ? error("already-logged-in") : error("resume-refused", result.reason));
        }
      },
    });
  },
});

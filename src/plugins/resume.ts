import { definePlugin } from "../core/plugin-api";

/** A count of lines: digits only, at most what a number holds exactly. */
const COUNT = /^(0|[1-9][0-9]{0,14})$/;

/**
 * Resumable sessions (docs/PROTOCOL.md, "Resuming a session").
 *
 * `RESUMABLE`, once logged in: answered `TOKEN <token>`. From that line on
 * (line 0), what the session is sent is kept, up to `--resume-buffer`
 * bytes. If the connection then drops (not QUIT, not a timeout or a kick),
 * the name stays taken for `--resume-grace` and nobody is told.
 *
 * `RESUME <token> <received>`, before login, on a new connection:
 * `<received>` is how many lines the client got after the token's line.
 * Answered `RESUMED <username> <token>` (a new token; line 0 again), then
 * every line the client missed, in order, once; or
 * `ERR resume-refused <reason>`: `unknown-token` (used, expired, never
 * issued), `gap-too-large` (more was missed than was kept: log in afresh),
 * `bad-count`, `disabled`.
 */
export const resumePlugin = definePlugin({
  name: "resume",
  dependencies: ["login"],
  register({ commands, room }) {
    commands.add({
      verb: "RESUMABLE",
      handle({ session }) {
        const token = room.resumeToken(session);
        session.reply(token === null ? "ERR resume-refused disabled" : `TOKEN ${token}`);
      },
    });
    commands.add({
      verb: "RESUME",
      requiresLogin: false,
      async handle({ session, args }) {
        const [token, received, extra] = args.split(" ");
        if (!token || received === undefined || extra !== undefined || !COUNT.test(received)) {
          session.reply("ERR invalid-resume-format");
          return;
        }
        const result = await room.resume(session, token, Number(received), (username, next) => `RESUMED ${username} ${next}`);
        if (result.status === "refused") {
          session.reply(result.reason === "already-logged-in" ? "ERR already-logged-in" : `ERR resume-refused ${result.reason}`);
        }
      },
    });
  },
});

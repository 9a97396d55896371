import { definePlugin } from "../core/plugin-api";
import { BYE, OK, outcomeReply } from "../core/language";

/**
 * Accounts on every door (docs/ACCOUNTS.md): `LOGIN <name> <password>`
 * signs in to an account (the one-word LOGIN stays a guest's), `REGISTER
 * <name> <password>` makes one and signs in, `PASSWORD <old> <new>`
 * changes the password, `UNREGISTER <password>` deletes the account (and ends its sessions), and
 * `OPER <name> <password>` makes a server operator of the user, by an
 * operator's account (`DEOPER` undoes it). Each is answered `ok` or an error.
 */
export const accountsPlugin = definePlugin({
  name: "accounts",
  dependencies: ["login"],
  register({ commands, accounts }) {
    commands.extend(
      "LOGIN",
      async ({ session, params }, next) => {
        if (params.length < 2) return next();
        session.reply(outcomeReply(await accounts.signIn(session, params[0]!, params[1]!)));
      },
      ["username", "password"],
    );
    commands.add({
      verb: "REGISTER",
      params: ["username", "password"],
      requiresLogin: false,
      async handle({ session, params: [name, password] }) {
        session.reply(outcomeReply(await accounts.register(session, name!, password!)));
      },
    });
    commands.add({
      verb: "PASSWORD",
      params: ["old", "new"],
      async handle({ session, params: [oldPassword, newPassword] }) {
        session.reply(outcomeReply(await accounts.changePassword(session, oldPassword!, newPassword!)));
      },
    });
    commands.add({
      verb: "UNREGISTER",
      params: ["password"],
      async handle({ session, params: [password] }) {
        const result = await accounts.delete(session, password!);
        session.reply(outcomeReply(result));
        // Deleting an account ends its sessions, this one too: its name is free at once.
        if (result === "ok") session.end("account-deleted", BYE);
      },
    });
    commands.add({
      verb: "DEOPER",
      handle({ session }) {
        accounts.deoperate(session);
        session.reply(OK);
      },
    });
    commands.add({
      verb: "OPER",
      params: ["username", "password"],
      async handle({ session, params: [name, password] }) {
        session.reply(outcomeReply(await accounts.operate(session, name!, password!)));
      },
    });
  },
});

import { definePlugin, type ChatPlugin, type RoomApi, type SessionHandle } from "../../src/core/plugin-api";

/** What a slow login hook does, before and after its wait, for the user it waits for. */
interface SlowLoginSteps {
  before?(session: SessionHandle, room: RoomApi): void;
  after?(session: SessionHandle): void;
}

/**
 * A plugin (named `name`) whose login hook, for `username` only, waits
 * until `open()` is called, as one that reads the history from Redis does;
 * the other users' logins go through at once.
 */
export function slowLoginHook(username: string, steps: SlowLoginSteps = {}, name = "slow"): { plugin: { name: string; plugin: ChatPlugin }; open(): void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const plugin = definePlugin({
    name,
    register({ hooks, room }) {
      hooks.onLogin(async ({ session, username: who }) => {
        if (who !== username) return;
        steps.before?.(session, room);
        await gate;
        steps.after?.(session);
      });
    },
  });
  return { plugin: { name, plugin: plugin as unknown as ChatPlugin }, open };
}

/** The replay the history plugin would send: one message of carol's. */
export const replayHistory = (session: SessionHandle): void => session.reply({ kind: "history", messages: [{ from: "carol", text: "earlier" }] });

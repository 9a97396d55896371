import type { ChatPlugin } from "../core/plugin-api";
import { accountsPlugin } from "./accounts";
import { dmPlugin } from "./dm";
import { historyPlugin } from "./history";
import { loginPlugin } from "./login";
import { msgPlugin } from "./msg";
import { pingPlugin } from "./ping";
import { quitPlugin } from "./quit";
import { renamePlugin } from "./rename";
import { resumePlugin } from "./resume";
import { roomsPlugin } from "./rooms";
import { whoPlugin } from "./who";

/** The plugins that ship with the server, by the name a configuration uses. */
export const builtinPlugins: ReadonlyMap<string, ChatPlugin> = new Map<string, ChatPlugin>(
  [loginPlugin, msgPlugin, whoPlugin, dmPlugin, pingPlugin, quitPlugin, roomsPlugin, historyPlugin, resumePlugin, renamePlugin, accountsPlugin].map((plugin) => [
    plugin.name,
    plugin as unknown as ChatPlugin,
  ]),
);

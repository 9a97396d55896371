import { IRC_DOOR } from "../adapters/irc/module";
import { JSON_DOOR } from "../adapters/json/module";
import { TCP_DOOR } from "../adapters/tcp/module";
import { WEB_DOOR } from "../adapters/web/module";

/**
 * Every door the server has, in the order they listen (the first one's
 * address is the first the app's start resolves with) and `--help` lists
 * their flags. A door is its folder and its line here.
 */
export const DOORS = [TCP_DOOR, WEB_DOOR, IRC_DOOR, JSON_DOOR] as const;

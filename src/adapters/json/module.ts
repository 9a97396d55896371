import type { DoorModule } from "../../doors/door-module";
import { JSON_API_PATH, openJsonConnection } from "./json-connection";

/**
 * The JSON API (docs/API.md): a WebSocket at `/api` on the web port, served
 * whenever the web port is. It has no flags and no port of its own.
 */
export const JSON_DOOR: DoorModule = {
  name: "json",
  flags: {},
  defaults: {},
  configure: () => ({}),
  open: () => null,
  webSockets: new Map([[JSON_API_PATH, openJsonConnection]]),
};

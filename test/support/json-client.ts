import { JSON_API_PATH } from "../../src/adapters/json/json-connection";
import { ULID } from "./ulid";
import { WsClient } from "./ws-client";

/** A time as the JSON API writes it: ISO 8601, UTC, to the millisecond. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A frame of the JSON API, parsed. */
export type Frame = Record<string, unknown>;

/** A WebSocket client of the JSON API (/api on the web port). */
export function connectJson(port: number): Promise<WsClient> {
  return WsClient.connect(port, { path: JSON_API_PATH });
}

/** Connects and logs in as `name` (answered `ok`, read). */
export async function loginJson(port: number, name: string): Promise<WsClient> {
  const client = await connectJson(port);
  sendFrame(client, { type: "login", name });
  expect(await client.readLine()).toBe('{"type":"ok"}');
  return client;
}

/** Sends one frame: the object as JSON text. */
export function sendFrame(client: WsClient, frame: object): void {
  client.send(JSON.stringify(frame));
}

/** The next frame, parsed. */
export async function nextFrame(client: WsClient): Promise<Frame> {
  return JSON.parse(await client.readLine()) as Frame;
}

/**
 * An event frame's text without its id and time, which it must carry right
 * after its type (a ULID, an ISO time): the rest can then be compared exactly.
 */
export function unstamped(line: string): string {
  const stamp = /^\{"type":"([a-z-]+)","id":"([^"]*)","at":"([^"]*)",/.exec(line);
  if (stamp === null || !ULID.test(stamp[2]!) || !ISO_TIME.test(stamp[3]!)) throw new Error(`not an event frame with its id and time: ${line}`);
  return `{"type":"${stamp[1]}",${line.slice(stamp[0].length)}`;
}

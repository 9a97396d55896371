import type { TcpClient } from "./tcp-client";

/** A client of any door that carries lines (TCP, TLS, WebSocket). */
type LineClient = Pick<TcpClient, "send" | "readLine">;

/** Sends `MSG <n>` for each n from `first` to `last`, in one write. */
export function sendNumbered(client: TcpClient, first: number, last: number): Promise<void> {
  return client.write(Array.from({ length: last - first + 1 }, (_, i) => `MSG ${first + i}\n`).join(""));
}

/** What a reader gets from `from`'s sendNumbered. */
export function numbered(from: string, first: number, last: number): string[] {
  return Array.from({ length: last - first + 1 }, (_, i) => `MSG ${from} ${first + i}`);
}

/** Lines up to and including `last`. */
export async function readThrough(client: LineClient, last: string): Promise<string[]> {
  const lines: string[] = [];
  for (let line = await client.readLine(); ; line = await client.readLine()) {
    lines.push(line);
    if (line === last) return lines;
  }
}

/** Makes a logged-in client's session resumable: its token. */
export async function askToken(client: LineClient): Promise<string> {
  client.send("RESUMABLE");
  const reply = await client.readLine();
  if (!reply.startsWith("TOKEN ")) throw new Error(`RESUMABLE answered ${reply}`);
  return reply.slice("TOKEN ".length);
}

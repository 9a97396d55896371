import * as net from "node:net";

/**
 * A raw IRC connection: `until` gives every line it was sent since the last
 * `until`, up to the first that matches. It stays open (the server's stop
 * closes it).
 */
export function rawIrc(port: number): { send(line: string): void; sendBytes(bytes: Buffer): void; until(pattern: RegExp): Promise<string[]> } {
  const socket = net.connect(port, "127.0.0.1");
  socket.setEncoding("utf8");
  let buffer = "";
  const lines: string[] = [];
  let wake: (() => void) | null = null;
  socket.on("data", (text: string) => {
    buffer += text;
    const parts = buffer.split("\r\n");
    buffer = parts.pop()!;
    lines.push(...parts);
    wake?.();
  });
  socket.on("error", () => undefined);
  return {
    send: (line) => socket.write(`${line}\r\n`),
    sendBytes: (bytes) => socket.write(bytes),
    async until(pattern) {
      const deadline = Date.now() + 5000;
      while (!lines.some((line) => pattern.test(line))) {
        if (Date.now() > deadline) throw new Error(`no ${pattern} in ${JSON.stringify(lines)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return lines.splice(0, lines.findIndex((line) => pattern.test(line)) + 1);
    },
  };
}

import { Client } from "irc-framework";
import { WAIT_MS } from "./line-inbox";

/**
 * A real IRC client (irc-framework, as bots and The Lounge use it) against
 * the server, with every line the server sent kept in order, so that a test
 * can wait for a line and assert it exactly.
 */
export class IrcClient {
  private static readonly open = new Set<IrcClient>();

  static closeAll(): void {
    for (const client of IrcClient.open) client.client.connection?.end?.();
    IrcClient.open.clear();
  }

  /** Every line the server sent, as received (no line ending). */
  readonly lines: string[] = [];
  private cursor = 0;
  private waiter: (() => void) | null = null;
  closed = false;

  private constructor(readonly client: Client & { connection?: { end?: () => void } }) {
    IrcClient.open.add(this);
    client.on("raw", ({ line, from_server }: { line: string; from_server: boolean }) => {
      if (!from_server) return;
      this.lines.push(line.replace(/\r?\n$/, ""));
      this.wake();
    });
    client.on("close", () => {
      this.closed = true;
      IrcClient.open.delete(this);
      this.wake();
    });
  }

  /**
   * Connects and registers as `nick` (USER `ident` and `realname`, PASS
   * `password` if given); rejects with the line that refused it (433, 432 ...).
   */
  static register(port: number, nick: string, realname = nick, ident = nick, password?: string, welcomeEnd = / 366 \S+ #lobby /): Promise<IrcClient> {
    const client = new IrcClient(new Client({ auto_reconnect: false }));
    return new Promise((resolve, reject) => {
      // Registered once the welcome burst is over (`welcomeEnd`, its last line: the lobby's names, for a user who starts in it).
      client.client.once("registered", () => void client.waitFor(welcomeEnd).then(() => resolve(client), reject));
      client.client.once("nick in use", () => reject(new Error(client.lines.find((line) => / 433 /.test(line)))));
      client.client.once("nick invalid", () => reject(new Error(client.lines.find((line) => / 432 /.test(line)))));
      client.client.connect({ host: "127.0.0.1", port, nick, username: ident, gecos: realname, auto_reconnect: false, ...(password !== undefined && { password }) });
    });
  }

  /** Registers as `register` does, on a server whose IRC users start outside the lobby (--irc-join-lobby off): the welcome burst ends with the MOTD's 422. */
  static registerOutside(port: number, nick: string): Promise<IrcClient> {
    return IrcClient.register(port, nick, nick, nick, undefined, / 422 /);
  }

  /** Waits for the next line (after the last one waited for) that matches, and returns it. */
  async waitFor(pattern: RegExp): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      while (this.cursor < this.lines.length) {
        const line = this.lines[this.cursor++]!;
        if (pattern.test(line)) return line;
      }
      if (this.closed) throw new Error(`closed before a line matching ${pattern}; had ${JSON.stringify(this.lines.slice(-10))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matching ${pattern} within ${WAIT_MS} ms; had ${JSON.stringify(this.lines.slice(-10))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The lines after the last one waited for, up to and including the first that matches `end`. */
  async linesUntil(end: RegExp): Promise<string[]> {
    const from = this.cursor;
    await this.waitFor(end);
    return this.lines.slice(from, this.cursor);
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

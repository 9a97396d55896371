import { definePlugin } from "../core/plugin-api";

/** The last `capacity` lines, oldest first, in constant time per line. */
class Ring {
  private slots: string[];
  private next = 0;
  private count = 0;

  constructor(private capacity: number) {
    this.slots = new Array<string>(capacity);
  }

  push(line: string): void {
    if (this.capacity === 0) return;
    this.slots[this.next] = line;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  lines(): string[] {
    const oldest = this.count < this.capacity ? 0 : this.next;
    return Array.from({ length: this.count }, (_, i) => this.slots[(oldest + i) % this.capacity]!);
  }

  /** Keeps the newest lines that fit. */
  resize(capacity: number): void {
    const kept = this.lines().slice(-capacity || this.count);
    this.capacity = capacity;
    this.slots = new Array<string>(capacity);
    this.next = 0;
    this.count = 0;
    for (const line of capacity === 0 ? [] : kept) this.push(line);
  }
}

/**
 * The last messages to everyone, replayed to each user right after its
 * `OK`: `HISTORY <user> <text>` lines, oldest first, then `END HISTORY`.
 * Kept in memory only; `size` can change while the server runs (SIGHUP).
 */
export const historyPlugin = definePlugin({
  name: "history",
  dependencies: ["login"],
  options: { size: { type: "integer", default: 20, min: 0, max: 10_000 } },
  register({ hooks, options, onOptionsChange }) {
    const ring = new Ring(options.size);
    onOptionsChange(({ size }) => ring.resize(size));

    hooks.onMessage(({ from, to, text }) => {
      if (to.kind === "everyone") ring.push(`HISTORY ${from.username} ${text}`);
    });

    hooks.onLogin(({ session }) => session.replyLines([...ring.lines(), "END HISTORY"]));
  },
});

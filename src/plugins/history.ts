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

  /** The newest lines whose text fits in `maxBytes` (UTF-8, line endings counted), oldest first. */
  newest(maxBytes: number): string[] {
    const lines = this.lines();
    let bytes = 0;
    let first = lines.length;
    while (first > 0 && (bytes += Buffer.byteLength(lines[first - 1]!) + 1) <= maxBytes) first--;
    return lines.slice(first);
  }

  /** Keeps the newest lines that fit. */
  resize(capacity: number): void {
    const kept = capacity === 0 ? [] : this.lines().slice(-capacity);
    this.capacity = capacity;
    this.slots = new Array<string>(capacity);
    this.next = 0;
    this.count = 0;
    for (const line of kept) this.push(line);
  }
}

/**
 * The last messages to everyone, replayed to each user right after its
 * `OK`: `HISTORY <user> <text>` lines, oldest first, then `END HISTORY`.
 * Kept in memory only; `size` can change while the server runs (SIGHUP).
 * A replay is at most `maxReplayBytes` (the newest lines that fit): it is
 * written in one go, before the server can tell whether the client reads.
 */
export const historyPlugin = definePlugin({
  name: "history",
  dependencies: ["login"],
  options: {
    size: { type: "integer", default: 20, min: 0, max: 10_000 },
    maxReplayBytes: { type: "integer", default: 64 * 1024, min: 0, max: 16 * 1024 * 1024 },
  },
  register({ hooks, options, onOptionsChange }) {
    const ring = new Ring(options.size);
    let maxReplayBytes = options.maxReplayBytes;
    onOptionsChange((changed) => {
      ring.resize(changed.size);
      maxReplayBytes = changed.maxReplayBytes;
    });

    hooks.onMessage(({ from, to, text }) => {
      if (to.kind === "everyone") ring.push(`HISTORY ${from.username} ${text}`);
    });

    hooks.onLogin(({ session }) => session.replyLines([...ring.newest(maxReplayBytes), "END HISTORY"]));
  },
});

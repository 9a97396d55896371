/** How long a test waits for a line that should come; a guard against hanging, not a measurement. */
export const WAIT_MS = 5000;

/**
 * The lines a test client has received and not yet read. Every read waits
 * for an event (a line, the close), never sleeps.
 */
export class LineInbox {
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  /** Lines received so far, read or not. */
  receivedCount = 0;

  constructor(private readonly isClosed: () => boolean) {}

  add(...lines: string[]): void {
    this.lines.push(...lines);
    this.receivedCount += lines.length;
    this.wake();
  }

  /** Something happened (the connection closed): whoever waits looks again. */
  wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  async read(count: number): Promise<string[]> {
    const deadline = Date.now() + WAIT_MS;
    while (this.lines.length < count) {
      if (this.isClosed()) throw new Error(`connection closed after ${JSON.stringify(this.lines)}; wanted ${count} lines`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line within ${WAIT_MS} ms; have ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.lines.splice(0, count);
  }

  /** Every line once `closed` has resolved, which must happen within the wait. */
  async readUntil<T>(closed: Promise<T>): Promise<{ lines: string[]; closed: T }> {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still open after ${WAIT_MS} ms`)), WAIT_MS).unref());
    const result = await Promise.race([closed, timeout]);
    return { lines: this.lines.splice(0), closed: result };
  }
}

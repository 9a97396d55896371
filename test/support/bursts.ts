import { expect } from "@jest/globals";

/** What each of the burst's senders writes: 20 lines of 4000 bytes, numbered, with the sender's number. */
export function burstText(sender: number, line: number): string {
  return `${line} ${"x".repeat(4000)} ${sender}`;
}

/**
 * The burst of issue #10: each sender writes 20 long `MSG` lines at once
 * (inside the default flood burst), so that every reader is sent 800 KB
 * for ten senders in the same instant.
 */
export function sendBurst(senders: readonly { write(text: string): unknown }[]): Promise<unknown[]> {
  return Promise.all(
    senders.map((sender, s) => sender.write(Array.from({ length: 20 }, (_, line) => `MSG ${burstText(s, line)}\n`).join(""))),
  );
}

/** The reader got every line of the burst, each sender's in order (senders named s0, s1 ...). */
export function expectWholeBurst(lines: readonly string[], senderCount: number): void {
  for (let s = 0; s < senderCount; s++) {
    expect(lines.filter((line) => line.startsWith(`MSG s${s} `))).toEqual(
      Array.from({ length: 20 }, (_, line) => `MSG s${s} ${burstText(s, line)}`),
    );
  }
}

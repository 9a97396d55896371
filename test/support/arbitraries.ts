import fc from "fast-check";

/** Bytes biased towards what matters to a line protocol: line endings, multi-byte and invalid UTF-8, controls. */
const streamByte = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 2, arbitrary: fc.constantFrom(0x0a, 0x0d) },
  { weight: 2, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }) },
);

const utf8Text = fc.string({ unit: "binary", maxLength: 40 }).map((text) => [...Buffer.from(text, "utf8")]);

/** An arbitrary byte stream, mixing random bytes with valid UTF-8 text. */
export const byteStream = fc
  .array(fc.oneof(streamByte.map((byte) => [byte]), utf8Text), { maxLength: 120 })
  .map((parts) => Uint8Array.from(parts.flat()));

const verb = fc.constantFrom("LOGIN ", "MSG ", "msg ", "DM ", "DM witness ", "DM fuzzer ", "WHO", "PING", "QUIT", " ", "");
const lineEnding = fc.constantFrom("\n", "\r\n", "\r", "");
const protocolLine = fc
  .tuple(verb, fc.array(fc.oneof(streamByte.map((byte) => [byte]), utf8Text), { maxLength: 6 }), lineEnding)
  .map(([start, middle, end]) => [...Buffer.from(start), ...middle.flat(), ...Buffer.from(end)]);

/** Lines that often are well-formed commands, with arbitrary bytes in them. */
export const protocolStream = fc
  .array(protocolLine, { maxLength: 30 })
  .map((lines) => Uint8Array.from(lines.flat()));

/** Cut points for `split`. */
export const cuts = fc.array(fc.nat(), { maxLength: 20 });

/** Cuts `stream` at the given points (taken modulo its length), as TCP may. */
export function split(stream: Uint8Array, points: readonly number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((point) => point % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const point of [...sorted, stream.length]) {
    chunks.push(stream.subarray(previous, point));
    previous = point;
  }
  return chunks;
}

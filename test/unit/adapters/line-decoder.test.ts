import fc from "fast-check";
import { LineDecoder, type LineFailure } from "../../../src/adapters/wire/line-decoder";
import { byteStream as stream, cuts as cutPoints, split } from "../../support/arbitraries";

type Item = string | LineFailure["error"];

function drain(decoder: LineDecoder): Item[] {
  const items: Item[] = [];
  for (let item = decoder.next(); item !== null; item = decoder.next()) {
    items.push(typeof item === "string" ? item : item.error);
  }
  return items;
}

function decodeChunks(chunks: readonly Uint8Array[], maxLineBytes: number, crEndsLine = false): Item[] {
  const decoder = new LineDecoder(maxLineBytes, crEndsLine);
  const items: Item[] = [];
  for (const chunk of chunks) {
    decoder.push(chunk);
    items.push(...drain(decoder));
  }
  return items;
}

const bytes = (text: string): Buffer => Buffer.from(text, "utf8");

function referenceLine(line: Uint8Array, maxLineBytes: number): Item {
  if (line.length > maxLineBytes) return "line-too-long";
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(line);
  } catch {
    return "invalid-utf8";
  }
}

/** A line-at-a-time reader of a whole stream: the behaviour the decoder must match. */
function referenceLines(stream: Uint8Array, maxLineBytes: number): Item[] {
  const items: Item[] = [];
  let start = 0;
  for (let lf = stream.indexOf(0x0a); lf !== -1; lf = stream.indexOf(0x0a, start)) {
    let end = lf;
    if (end > start && stream[end - 1] === 0x0d) end--;
    items.push(referenceLine(stream.subarray(start, end), maxLineBytes));
    start = lf + 1;
  }
  return items;
}

/** The same with every CR and every LF a line end (IRC): a CRLF ends a line and an empty one. */
function referenceIrcLines(stream: Uint8Array, maxLineBytes: number): Item[] {
  const items: Item[] = [];
  let start = 0;
  stream.forEach((byte, at) => {
    if (byte !== 0x0a && byte !== 0x0d) return;
    items.push(referenceLine(stream.subarray(start, at), maxLineBytes));
    start = at + 1;
  });
  return items;
}

describe("LineDecoder", () => {
  it("splits on LF and drops one CR before it", () => {
    expect(decodeChunks([bytes("a\nb\r\nc\r\r\n\n")], 64)).toEqual(["a", "b", "c\r", ""]);
  });

  it("reassembles a line sent one byte at a time", () => {
    const line = bytes("MSG h\u00e9llo w\u00f6rld \u{1f600}\r\n");
    const chunks = [...line].map((byte) => Uint8Array.of(byte));
    expect(decodeChunks(chunks, 64)).toEqual(["MSG h\u00e9llo w\u00f6rld \u{1f600}"]);
  });

  it("returns many lines of one chunk one at a time, resuming where it stopped", () => {
    const decoder = new LineDecoder(64);
    decoder.push(bytes("one\ntwo\nthr"));
    expect(decoder.next()).toBe("one");
    decoder.push(bytes("ee\nfour"));
    expect(drain(decoder)).toEqual(["two", "three"]);
    expect(decoder.heldBytes).toBe(4);
  });

  it("accepts a line of exactly the limit, CRLF or LF, and refuses one byte more", () => {
    const max = 16;
    const exact = "x".repeat(max);
    expect(decodeChunks([bytes(`${exact}\r\n${exact}\n${exact}y\n`)], max)).toEqual([exact, exact, "line-too-long"]);
  });

  it("answers a too-long line once, as soon as it is too long, then skips it to its LF", () => {
    const decoder = new LineDecoder(8);
    decoder.push(bytes("123456789"));
    expect(drain(decoder)).toEqual(["line-too-long"]);
    expect(decoder.heldBytes).toBe(0);
    decoder.push(bytes("more and more bytes"));
    expect(drain(decoder)).toEqual([]);
    decoder.push(bytes(" end\nok\n"));
    expect(drain(decoder)).toEqual(["ok"]);
  });

  it("at the end of input, returns what is held of a last line without LF", () => {
    const decoder = new LineDecoder(8);
    decoder.push(bytes("one\ntwo\r"));
    decoder.endOfInput();
    expect(drain(decoder)).toEqual(["one", "two"]);
    const discarding = new LineDecoder(8);
    discarding.push(bytes("far too long"));
    discarding.endOfInput();
    expect(drain(discarding)).toEqual(["line-too-long"]);
  });

  it("refuses invalid UTF-8 but keeps a genuine U+FFFD", () => {
    const input = Buffer.concat([Buffer.from([0x61, 0xff, 0x0a]), bytes("\ufffd\n")]);
    expect(decodeChunks([input], 64)).toEqual(["invalid-utf8", "\ufffd"]);
  });

  it.each([
    ["an overlong encoding", [0xc0, 0xaf]],
    ["an encoded surrogate", [0xed, 0xa0, 0x80]],
    ["a code point above U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["a truncated sequence", [0xe2, 0x82]],
  ])("refuses %s", (_name, sequence) => {
    expect(decodeChunks([Uint8Array.from([...sequence, 0x0a])], 64)).toEqual(["invalid-utf8"]);
  });

  it("property: any stream cut anywhere decodes as a line-at-a-time reader reads it", () => {
    fc.assert(
      fc.property(stream, cutPoints, fc.integer({ min: 1, max: 24 }), (input, cuts, max) => {
        const complete = input.subarray(0, input.lastIndexOf(0x0a) + 1);
        expect(decodeChunks(split(complete, cuts), max)).toEqual(referenceLines(complete, max));
      }),
      { numRuns: 2000 },
    );
  });

  it("property: never throws, and never holds more than the limit plus a CR", () => {
    fc.assert(
      fc.property(stream, cutPoints, fc.integer({ min: 1, max: 24 }), (input, cuts, max) => {
        const decoder = new LineDecoder(max);
        for (const chunk of split(input, cuts)) {
          decoder.push(chunk);
          for (let item = decoder.next(); item !== null; item = decoder.next()) {
            expect(decoder.heldBytes).toBeLessThanOrEqual(max + 1);
          }
          expect(decoder.heldBytes).toBeLessThanOrEqual(max + 1);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("property: an unfinished last line adds at most one line-too-long", () => {
    fc.assert(
      fc.property(stream, cutPoints, fc.integer({ min: 1, max: 24 }), (input, cuts, max) => {
        const complete = input.lastIndexOf(0x0a) + 1;
        const expected = referenceLines(input.subarray(0, complete), max);
        const actual = decodeChunks(split(input, cuts), max);
        const tail = input.length - complete;
        // Too long as soon as it is known: a last CR may still turn out to be the line ending.
        const knownTooLong = tail > max + 1 || (tail === max + 1 && input[input.length - 1] !== 0x0d);
        expect(actual.slice(0, expected.length)).toEqual(expected);
        expect(actual.slice(expected.length)).toEqual(knownTooLong ? ["line-too-long"] : []);
      }),
      { numRuns: 2000 },
    );
  });

  describe("with CR ending a line too (IRC)", () => {
    it("ends a line at CR, LF or CRLF (a CRLF also ends an empty line), across chunks too", () => {
      expect(decodeChunks([bytes("NICK x\rUSER x 0 * :x\r\nPING a\nPING b\r"), bytes("\nPING c")], 64, true)).toEqual([
        "NICK x",
        "USER x 0 * :x",
        "",
        "PING a",
        "PING b",
        "",
      ]);
    });

    it("answers a too-long line once and skips it to its CR", () => {
      expect(decodeChunks([bytes("abcdefg\rok\r")], 4, true)).toEqual(["line-too-long", "ok"]);
      expect(decodeChunks([bytes("abcd"), bytes("efg\rok\n")], 4, true)).toEqual(["line-too-long", "ok"]);
    });

    it("property: any stream cut anywhere decodes as a reader that ends lines at every CR and LF", () => {
      fc.assert(
        fc.property(stream, cutPoints, fc.integer({ min: 1, max: 24 }), (input, cuts, max) => {
          let complete = 0;
          input.forEach((byte, at) => {
            if (byte === 0x0a || byte === 0x0d) complete = at + 1;
          });
          const expected = referenceIrcLines(input, max);
          const actual = decodeChunks(split(input, cuts), max, true);
          expect(actual.slice(0, expected.length)).toEqual(expected);
          // What is left unfinished is refused at most once (once known to be too long).
          expect(actual.slice(expected.length)).toEqual(input.length - complete > max ? ["line-too-long"] : []);
        }),
        { numRuns: 2000 },
      );
    });
  });
});

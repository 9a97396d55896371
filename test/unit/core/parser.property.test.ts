import fc from "fast-check";
import { splitFirstWord } from "../../../src/adapters/line/line-text";
import { stripControlCharacters } from "../../../src/core/text";
import { cuts, protocolStream, split } from "../../support/arbitraries";
import { linesOf, startTestServer } from "../../../src/testing/test-server";

const separators = /^[ \t]*$/;
const lineText = fc.string({ unit: fc.constantFrom(" ", "\t", "a", "B", "1", "-", "\u00e9", "\u0007", "\u{1f600}"), maxLength: 30 });

describe("the command parser", () => {
  it("property: splits a line into a word and the rest, losing only separators", () => {
    fc.assert(
      fc.property(lineText, (line) => {
        const { word, rest } = splitFirstWord(line);
        const trimmed = line.replace(/^[ \t]+|[ \t]+$/g, "");
        expect(word).not.toMatch(/[ \t]/);
        expect(rest).not.toMatch(/^[ \t]|[ \t]$/);
        expect(trimmed.startsWith(word)).toBe(true);
        expect(trimmed.endsWith(rest)).toBe(true);
        expect(trimmed.slice(word.length, trimmed.length - rest.length)).toMatch(separators);
        if (word === "") expect(rest).toBe("");
      }),
      { numRuns: 5000 },
    );
  });

  it("property: relayed text has no control characters but TAB, and keeps everything else", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 50 }), (text) => {
        const clean = stripControlCharacters(text);
        expect(clean).not.toMatch(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/);
        expect(clean).toBe([...text].filter((char) => !/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/.test(char)).join(""));
      }),
      { numRuns: 5000 },
    );
  });
});

/** Every line the server may send to the client that sent the bytes. */
const REPLY = new RegExp(
  [
    "OK",
    "PONG",
    "INFO bye",
    "END WHO",
    "USER [A-Za-z0-9_][A-Za-z0-9_.-]{0,31}",
    "DM fuzzer [^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f]+",
    "ERR (username-taken|invalid-username|already-logged-in|empty-message|invalid-dm-format|must-login-first|line-too-long|invalid-utf8)",
    "ERR user-not-found [^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f]+",
    "ERR unknown-command [^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f]{1,32}",
  ]
    .map((pattern) => `(${pattern})`)
    .join("|")
    .replace(/^/, "^(")
    .concat(")$"),
  "u",
);

describe("the whole server, fed arbitrary bytes", () => {
  it("property: answers only well-formed lines, relays only clean text, and keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(protocolStream, cuts, async (stream, points) => {
        const server = await startTestServer({ maxLineBytes: 64, rateLimitPerSecond: 0 });
        const witness = await server.login("witness");
        const fuzzer = server.connect();
        fuzzer.send("LOGIN fuzzer");
        for (const chunk of split(stream, points)) {
          if (fuzzer.closedByServer) break;
          fuzzer.write(chunk);
        }
        for (const line of await linesOf(fuzzer)) expect(line).toMatch(REPLY);
        for (const line of await linesOf(witness)) {
          expect(line).toMatch(/^((MSG|DM) fuzzer [^\u0000-\u0008\u000a-\u001f\u007f-\u009f]+|INFO fuzzer disconnected)$/u);
        }
        witness.send("PING");
        expect(await linesOf(witness)).toEqual(["PONG"]);
      }),
      { numRuns: 300 },
    );
  });
});

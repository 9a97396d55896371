import { Display } from "../../../src/client/display";
import { parseInput } from "../../../src/client/input";
import { COLOURS, PLAIN, styleFor } from "../../../src/client/style";

describe("the client's display", () => {
  const shown = (display: Display, ...lines: string[]): string[] => lines.flatMap((line) => display.show(line));

  it("shows who said what, DMs and room messages marked, notices in words", () => {
    const display = new Display(PLAIN);
    expect(
      shown(
        display,
        "MSG bob hello  there",
        "MSG bob #dev in the room",
        "MSG bob \\#1 to everyone",
        "MSG bob \\o/",
        "DM bob psst",
        "INFO bob disconnected",
        "INFO carol joined #dev",
        "INFO server-shutdown",
        "INFO bye",
        "PONG",
        "ROLLED bob 4 d6",
      ),
    ).toEqual([
      "bob: hello  there",
      "[#dev] bob: in the room",
      "bob: #1 to everyone",
      "bob: \\o/",
      "(DM) bob: psst",
      "* bob left",
      "* carol joined #dev",
      "* the server is shutting down",
      "ROLLED bob 4 d6",
    ]);
  });

  it("gathers listings into one line", () => {
    const display = new Display(PLAIN);
    expect(shown(display, "USER alice", "USER bob", "END WHO")).toEqual(["online (2): alice, bob"]);
    expect(shown(display, "ROOM #a 1", "ROOM #b 12", "END ROOMS")).toEqual(["rooms: #a (1), #b (12)"]);
    expect(shown(display, "END ROOMS")).toEqual(["no rooms"]);
    expect(shown(display, "HISTORY bob earlier", "END HISTORY")).toEqual(["bob: earlier", "-- earlier messages above --"]);
    expect(shown(display, "END HISTORY")).toEqual([]);
  });

  it("says errors in words, and what an OK answered", () => {
    const display = new Display(PLAIN);
    expect(shown(display, "ERR user-not-found carol", "ERR must-login-first", "OK", "ERR too-many-rooms #dev", "ERR brand-new thing")).toEqual([
      "! nobody named carol is online",
      "! log in first",
      "! you are in as many rooms as one may be: leave one to join #dev",
      "! brand-new thing",
    ]);
    expect(display.show("OK", { send: "JOIN #dev", ok: "you joined #dev" })).toEqual(["* you joined #dev"]);
  });

  it("names the message a refusal refused, and how to say a line that starts with # to everyone", () => {
    const display = new Display(PLAIN);
    expect(display.show("ERR user-not-found carol", { send: "DM carol hi", says: "/dm carol hi" })).toEqual([
      "! not sent: /dm carol hi (nobody named carol is online)",
    ]);
    expect(display.show("ERR not-in-room #1", { send: "MSG #1 priority is coffee", says: "#1 priority is coffee" })).toEqual([
      "! not sent: #1 priority is coffee (you are not in #1; to say it to everyone: \\#1 priority is coffee)",
    ]);
    expect(display.show("ERR cluster-unavailable", { send: "MSG hi", says: "hi" })).toEqual([
      "! may not have reached everyone: hi (part of the server cannot be reached)",
    ]);
    expect(display.unconfirmed({ send: "MSG hi", says: "hi" })).toEqual(["! not confirmed (the connection dropped before the server answered): hi"]);
    expect(display.unconfirmed({ send: "WHO" })).toEqual([]);
  });

  it("says a rename in words: one's own as its OK, another's as the server's line, a refusal as the reason", () => {
    const display = new Display(PLAIN);
    const nick = { send: "NICK alicia", ok: "you are now alicia", rename: "alicia" };
    expect(display.show("OK", nick)).toEqual(["* you are now alicia"]);
    expect(display.show("ERR username-taken", nick)).toEqual(["! that name is taken: someone online has it"]);
    expect(display.show("INFO bob is now robert")).toEqual(["* bob is now robert"]);
  });

  it("colours only on a terminal, and never with NO_COLOR", () => {
    expect(styleFor({ isTTY: true }, {})).toBe(COLOURS);
    expect(styleFor({ isTTY: false }, {})).toBe(PLAIN);
    expect(styleFor({ isTTY: true }, { NO_COLOR: "1" })).toBe(PLAIN);
    expect(new Display(COLOURS).show("DM bob hi")).toEqual(["\u001b[35m(DM) bob: hi\u001b[39m"]);
  });
});

describe("the client's input", () => {
  it.each([
    ["hello there", { send: "MSG hello there", says: "hello there" }],
    ["#dev hi", { send: "MSG #dev hi", says: "#dev hi" }],
    ["\\#1 priority is coffee", { send: "MSG \\#1 priority is coffee", says: "\\#1 priority is coffee" }],
    ["\\\\#x", { send: "MSG \\\\#x", says: "\\\\#x" }],
    ["\\o/", { send: "MSG \\o/", says: "\\o/" }],
    ["//shrug", { send: "MSG /shrug", says: "//shrug" }],
    ["/dm bob  see you", { send: "DM bob see you", says: "/dm bob  see you" }],
    ["/DM bob", { local: "usage: /dm <user> <text>" }],
    ["/who", { send: "WHO" }],
    ["/nick alicia", { send: "NICK alicia", ok: "you are now alicia", rename: "alicia" }],
    ["/nick", { local: "usage: /nick <name>" }],
    ["/join #Dev", { send: "JOIN #Dev", ok: "you joined #dev" }],
    ["/part", { local: "usage: /part #room" }],
    ["/raw PING", { send: "PING" }],
    ["/quit", { quit: true }],
    ["/nope", { local: "unknown command /nope (try /help)" }],
    ["   ", { nothing: true }],
  ])("maps %j", (typed, action) => {
    expect(parseInput(typed)).toEqual(action);
  });
});

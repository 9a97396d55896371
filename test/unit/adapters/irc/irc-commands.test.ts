import { translate, type IrcCommandContext } from "../../../../src/adapters/irc/irc-commands";
import { parseIrcLine } from "../../../../src/adapters/irc/irc-message";
import { Registration } from "../../../../src/adapters/irc/irc-registration";
import { IrcLines } from "../../../../src/adapters/irc/irc-replies";

const FORMS: Record<string, (readonly string[])[]> = {
  ROLL: [["sides"]],
  POLL: [["question", "choices"]],
  RESUMABLE: [[]],
  LOGIN: [["username"]],
  OP: [["room", "user"]],
};

/** A registered user's context (in the lobby, unless `inLobby` is false); `changed` records what it tells the core of its modes. */
function registered(nick = "ivy", inLobby = true, changed: (string | undefined)[] = []): IrcCommandContext {
  const registration = new Registration();
  registration.nickGiven(nick);
  registration.userGivenNow(nick, nick);
  registration.startLogin();
  registration.loggedIn();
  return {
    lines: new IrcLines({ server: "chat.test", lobby: "#lobby" }, () => registration.nick),
    registration,
    channels: new Set(["#dev"]),
    syntax: { forms: (verb) => FORMS[verb] },
    version: "chat-server-0",
    inLobby,
    invisible: false,
    operator: false,
    modesChanged: (words) => changed.push(words),
  };
}

/** What one IRC line becomes: the core's commands, or (for one the door answers) the lines it says. */
function steps(line: string, context = registered()): unknown[] {
  return translate(parseIrcLine(line)!, context).map(({ command, expectation }) =>
    expectation.kind === "local" ? { local: expectation.lines } : { ...command, for: expectation.kind },
  );
}

describe("the table from IRC's commands to the core's", () => {
  it.each([
    ["PRIVMSG #lobby :#dev is great", [{ verb: "MSG", params: ["#dev is great"], for: "message" }]],
    ["PRIVMSG #LOBBY :\\#1 stays as typed", [{ verb: "MSG", params: ["\\#1 stays as typed"], for: "message" }]],
    ["PRIVMSG #dev :hi there", [{ verb: "MSG", params: ["#dev", "hi there"], for: "message" }]],
    ["PRIVMSG bob :hi there", [{ verb: "DM", params: ["bob", "hi there"], for: "message" }]],
    ["PRIVMSG #lobby :\u0001ACTION waves\u0001", [{ verb: "MSG", params: ["* waves"], for: "message" }]],
    ["PRIVMSG #other :hi", [{ local: [":chat.test 404 ivy #other :Cannot send to channel (not joined)"] }]],
    ["NOTICE #other :hi", [{ local: [] }]],
    [
      "JOIN #Dev,inv@lid,#lobby,#x,#DEV key1,key2",
      [
        { verb: "JOIN", params: ["#Dev"], for: "join" },
        { verb: "MEMBERS", params: ["#Dev"], for: "names" },
        { local: [":chat.test 403 ivy inv@lid :No such channel"] },
        { verb: "JOIN", params: ["#x"], for: "join" },
        { verb: "MEMBERS", params: ["#x"], for: "names" },
      ],
    ],
    ["JOIN #lobby", [{ local: [] }]],
    ["WHOIS bob", [{ verb: "WHOIS", params: ["bob"], for: "whois" }]],
    ["WHOIS server.name bob", [{ verb: "WHOIS", params: ["bob"], for: "whois" }]],
    ["USERHOST a b c d e f", [{ verb: "WHOIS", params: ["a b c d e"], for: "userhost" }]],
    ["ISON :a b", [{ verb: "WHOIS", params: ["a b"], for: "userhost" }]],
    ["WHO #lobby", [{ verb: "WHO", params: ["profiles"], for: "who" }]],
    ["WHO #dev", [{ verb: "MEMBERS", params: ["#dev", "profiles"], for: "who" }]],
    ["WHO b* %tnf,42", [{ verb: "WHO", params: ["profiles"], for: "who" }]],
    ["WHO * o", [{ local: [":chat.test 315 ivy * :End of /WHO list"] }]],
    ["LIST", [{ verb: "WHO", params: ["profiles"], for: "user-count" }, { verb: "ROOMS", params: [], for: "list" }]],
    ["LUSERS", [{ verb: "WHO", params: ["profiles"], for: "user-count" }, { verb: "ROOMS", params: [], for: "lusers" }]],
    ["NAMES #lobby", [{ verb: "WHO", params: ["profiles"], for: "names" }]],
    ["PART #lobby :off to work", [{ verb: "PING", params: [], for: "lobby-part" }]],
    // A room's modes are its members' to say (whether it exists, whether it is secret), joined or not.
    ["MODE #Dev", [{ verb: "MEMBERS", params: ["#Dev"], for: "channel-modes" }]],
    ["MODE #other", [{ verb: "MEMBERS", params: ["#other"], for: "channel-modes" }]],
    ["MODE #lobby", [{ local: [":chat.test 324 ivy #lobby +nt"] }]],
    ["MODE #lobby +s", [{ local: [":chat.test 482 ivy #lobby :You're not channel operator"] }]],
    ["MODE #dev +k key", [{ local: [":chat.test 472 ivy k :is unknown mode char to me"] }]],
    // Letter by letter, each `o` taking the next nick: each change the core's to make or refuse.
    [
      "MODE #dev +so-o bob amy",
      [
        { verb: "SECRET", params: ["#dev"], for: "mode-change" },
        { verb: "OP", params: ["#dev", "bob"], for: "mode-change" },
        { verb: "DEOP", params: ["#dev", "amy"], for: "mode-change" },
      ],
    ],
    ["MODE #dev -s+o", [{ verb: "PUBLIC", params: ["#dev"], for: "mode-change" }, { local: [":chat.test 461 ivy MODE :Not enough parameters"] }]],
    ["MODE #dev +nt", [{ local: [] }]],
    // The core's verb sent raw: IRC reaches it through MODE.
    ["OP #dev bob", [{ local: [":chat.test 421 ivy OP :Unknown command"] }]],
    ["MODE ivy", [{ local: [":chat.test 221 ivy +"] }]],
    ["MODE ivy -i", [{ local: [] }]],
    ["MODE ivy +iw", [{ local: [":ivy MODE ivy :+i", ":chat.test 501 ivy :Unknown MODE flag"] }]],
    ["MODE bob +i", [{ local: [":chat.test 502 ivy :Can't change mode for other users"] }]],
    ["ROLL 20", [{ verb: "ROLL", params: ["20"], for: "plugin" }]],
    ["POLL lunch? :pizza or soup", [{ verb: "POLL", params: ["lunch?", "pizza or soup"], for: "plugin" }]],
    ["POLL", [{ verb: "POLL", params: ["", ""], for: "plugin" }]],
    ["ROLL 20 sides of it", [{ verb: "ROLL", params: ["20 sides of it"], for: "plugin" }]],
    ["RESUMABLE", [{ local: [":chat.test 421 ivy RESUMABLE :Unknown command"] }]],
    ["LOGIN bob", [{ local: [":chat.test 421 ivy LOGIN :Unknown command"] }]],
    ["FOO", [{ local: [":chat.test 421 ivy FOO :Unknown command"] }]],
    ["NICK ivan", [{ verb: "NICK", params: ["ivan"], for: "rename" }]],
    ["NICK Ivy", [{ verb: "NICK", params: ["Ivy"], for: "rename" }]],
    ["NICK ivy", [{ local: [] }]],
    ["NICK al!ce", [{ local: [":chat.test 432 ivy al!ce :Erroneous nickname"] }]],
  ])("%j", (line, expected) => {
    expect(steps(line)).toEqual(expected);
  });

  it("logs in once NICK and USER are given and CAP negotiation is over, and not before", () => {
    const context = registered();
    const registration = new Registration();
    const early = { ...context, registration, lines: new IrcLines({ server: "chat.test", lobby: "#lobby" }, () => registration.nick) };
    expect(steps("CAP LS 302", early)).toEqual([{ local: [":chat.test CAP * LS :"] }]);
    expect(steps("NICK ivy", early)).toEqual([{ local: [] }]);
    expect(steps("JOIN #dev", early)).toEqual([{ local: [":chat.test 451 ivy :You have not registered"] }]);
    expect(steps("USER ivy 0 * :Ivy", early)).toEqual([{ local: [] }]);
    expect(steps("CAP END", early)).toEqual([
      { verb: "LOGIN", params: ["ivy"], for: "login" },
      { verb: "WHO", params: ["profiles"], for: "welcome" },
    ]);
    // After the login, in the core's order: a rename.
    expect(steps("NICK other", early)).toEqual([{ verb: "NICK", params: ["other"], for: "rename" }]);
    registration.loginRefused();
    expect(steps("NICK al!ce", early)).toEqual([{ local: [":chat.test 432 * al!ce :Erroneous nickname"] }]);
  });

  it("takes a user out of the lobby only by PART, and back only by JOIN, each once; out of it, the lobby is a channel it is not in", () => {
    const outside = registered("ivy", false);
    expect(steps("JOIN #dev,#LOBBY", outside)).toEqual([
      { verb: "JOIN", params: ["#dev"], for: "join" },
      { verb: "MEMBERS", params: ["#dev"], for: "names" },
      { verb: "WHO", params: ["profiles"], for: "lobby-join" },
    ]);
    expect(steps("PART #lobby", outside)).toEqual([{ local: [":chat.test 442 ivy #lobby :You're not on that channel"] }]);
    expect(steps("PRIVMSG #lobby :anyone?", outside)).toEqual([{ local: [":chat.test 404 ivy #lobby :Cannot send to channel (not joined)"] }]);
    expect(steps("NOTICE #lobby :anyone?", outside)).toEqual([{ local: [] }]);
    // A DM and its rooms are as ever.
    expect(steps("PRIVMSG bob :hi", outside)).toEqual([{ verb: "DM", params: ["bob", "hi"], for: "message" }]);
    expect(steps("PRIVMSG #dev :hi", outside)).toEqual([{ verb: "MSG", params: ["#dev", "hi"], for: "message" }]);
  });

  it("tells the core of MODE +i and -i when they change something, once a line, and not otherwise", () => {
    const changed: (string | undefined)[] = [];
    const context = registered("ivy", true, changed);
    expect(steps("MODE ivy +i", context)).toEqual([{ local: [":ivy MODE ivy :+i"] }]);
    expect(context.invisible).toBe(true);
    expect(changed).toEqual([undefined]);
    expect(steps("MODE ivy +i", context)).toEqual([{ local: [] }]);
    expect(steps("MODE ivy -i+i", context)).toEqual([{ local: [":ivy MODE ivy :-i+i"] }]);
    expect(changed).toEqual([undefined]);
    expect(steps("MODE ivy -i", context)).toEqual([{ local: [":ivy MODE ivy :-i"] }]);
    expect(changed).toEqual([undefined, undefined]);
  });
});

import { translate, type IrcCommandContext } from "../../../../src/adapters/irc/irc-commands";
import { parseIrcLine } from "../../../../src/adapters/irc/irc-message";
import { Registration } from "../../../../src/adapters/irc/irc-registration";
import { IrcLines } from "../../../../src/adapters/irc/irc-replies";

const FORMS: Record<string, (readonly string[])[]> = {
  ROLL: [["sides"]],
  POLL: [["question", "choices"]],
  RESUMABLE: [[]],
  LOGIN: [["username"]],
};

function registered(nick = "ivy"): IrcCommandContext {
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
    invisible: false,
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
    ["LIST", [{ verb: "WHO", params: [], for: "user-count" }, { verb: "ROOMS", params: [], for: "list" }]],
    ["LUSERS", [{ verb: "WHO", params: [], for: "user-count" }, { verb: "ROOMS", params: [], for: "lusers" }]],
    ["MODE #Dev", [{ local: [":chat.test 324 ivy #Dev +nt"] }]],
    ["MODE #other", [{ verb: "MEMBERS", params: ["#other"], for: "channel-modes" }]],
    ["MODE #dev +k key", [{ local: [":chat.test 482 ivy #dev :Channel modes cannot be set here"] }]],
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
      { verb: "WHO", params: [], for: "welcome" },
    ]);
    // After the login, in the core's order: a rename.
    expect(steps("NICK other", early)).toEqual([{ verb: "NICK", params: ["other"], for: "rename" }]);
    registration.loginRefused();
    expect(steps("NICK al!ce", early)).toEqual([{ local: [":chat.test 432 * al!ce :Erroneous nickname"] }]);
  });
});

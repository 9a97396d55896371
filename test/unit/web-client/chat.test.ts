import { ChatModel, LOBBY, type ChatLine } from "../../../src/web-client/chat";
import { parseLine } from "../../../src/web-client/protocol";

const now = new Date(0);

function model(lines: readonly string[], setUp?: (chat: ChatModel) => void): ChatModel {
  const chat = new ChatModel();
  setUp?.(chat);
  for (const line of lines) chat.apply(parseLine(line), now);
  return chat;
}

/** A message written on the page and sent as the page sends it: the command, then a PING. */
function said(chat: ChatModel, id: string, text: string): ChatLine {
  const line = chat.say(id, text, now);
  chat.pending.push({ verb: id.startsWith("@") ? "DM" : "MSG", line }, { verb: "PING" });
  return line;
}

const texts = (chat: ChatModel, id: string): string[] =>
  chat.conversation(id).lines.map((line) => (line.from === null ? line.text : `${line.from}: ${line.text}`));

describe("the web client's reading of the protocol", () => {
  it.each([
    ["OK", { kind: "ok" }],
    ["ERR user-not-found Bob", { kind: "error", code: "user-not-found", subject: "Bob" }],
    ["ERR idle-timeout", { kind: "ended", code: "idle-timeout", subject: "" }],
    ["ERR send-queue-exceeded", { kind: "ended", code: "send-queue-exceeded", subject: "" }],
    ["MSG alice hi  there", { kind: "message", from: "alice", text: "hi  there" }],
    ["DM bob <b>x</b>", { kind: "dm", from: "bob", text: "<b>x</b>" }],
    ["USER carol", { kind: "user", name: "carol", account: null }],
    ["USER carol *", { kind: "user", name: "carol", account: null }],
    ["USER Carol Carol", { kind: "user", name: "Carol", account: "Carol" }],
    ["ERR signed-out", { kind: "ended", code: "signed-out", subject: "" }],
    ["END WHO", { kind: "users-end" }],
    ["ROOM #dev 3", { kind: "room", name: "#dev", members: 3 }],
    ["INFO carol disconnected", { kind: "left", user: "carol" }],
    ["INFO carol joined #dev", { kind: "joined-room", user: "carol", room: "#dev" }],
    ["INFO carol is now caroline", { kind: "renamed", user: "carol", name: "caroline" }],
    ["INFO server-shutdown", { kind: "shutdown" }],
    ["HISTORY bob earlier", { kind: "history", from: "bob", text: "earlier" }],
    ["TOKEN abc-_1", { kind: "token", token: "abc-_1" }],
    ["RESUMED alice def.0123456789abcdef", { kind: "resumed", user: "alice", token: "def.0123456789abcdef" }],
    ["SOMETHING new", { kind: "other", line: "SOMETHING new" }],
  ])("reads %j", (line, event) => {
    expect(parseLine(line)).toEqual(event);
  });

  it("reads MSG <user> #room <text> as a room's message, and takes the escape off a message to everyone", () => {
    expect(parseLine("MSG bob #dev hi")).toEqual({ kind: "room-message", from: "bob", room: "#dev", text: "hi" });
    expect(parseLine("MSG bob \\#1 priority is coffee")).toEqual({ kind: "message", from: "bob", text: "#1 priority is coffee" });
    expect(parseLine("MSG bob \\\\#x")).toEqual({ kind: "message", from: "bob", text: "\\#x" });
    expect(parseLine("MSG bob \\o/")).toEqual({ kind: "message", from: "bob", text: "\\o/" });
    expect(parseLine("HISTORY bob \\#x")).toEqual({ kind: "history", from: "bob", text: "\\#x" });
  });
});

describe("the web client's model", () => {
  it("logs in on OK, lists who is online from WHO, and keeps the list by what it sees", () => {
    const chat = model(["OK", "USER alice", "USER bob", "END WHO", "MSG carol hi", "INFO bob disconnected"], (c) =>
      c.pending.push({ verb: "LOGIN", subject: "alice" }, { verb: "WHO" }),
    );
    expect(chat.me).toBe("alice");
    expect([...chat.users.values()]).toEqual(["alice", "carol"]);
    expect(texts(chat, LOBBY)).toEqual(["carol: hi", "bob left"]);
  });

  it("marks who is signed in from WHO profiles, until the next list or until they leave", () => {
    const chat = model(["OK", "USER alice alice", "USER bob *", "USER Carol Carol", "END WHO", "INFO Carol disconnected"], (c) =>
      c.pending.push({ verb: "LOGIN", subject: "alice" }, { verb: "WHO" }),
    );
    expect([...chat.users.values()].map((user) => [user, chat.isSignedIn(user)])).toEqual([
      ["alice", true],
      ["bob", false],
    ]);
    chat.pending.push({ verb: "WHO" });
    for (const line of ["USER alice *", "END WHO"]) chat.apply(parseLine(line), now);
    expect(chat.isSignedIn("ALICE")).toBe(false);
  });

  it("says why a login was refused, in words", () => {
    const chat = model(["ERR username-taken"], (c) => c.pending.push({ verb: "LOGIN", subject: "alice" }));
    expect([chat.me, chat.loginError]).toEqual([null, "That name is taken: someone online has it. Try another."]);
  });

  it("keeps direct messages in a conversation of their own, counted unread until opened", () => {
    const chat = model(["DM bob one", "DM bob two"]);
    expect(texts(chat, "@bob")).toEqual(["bob: one", "bob: two"]);
    expect(chat.conversation("@bob").unread).toBe(2);
    chat.open("@bob");
    expect(chat.conversation("@bob").unread).toBe(0);
  });

  it("shows a message as sent once the PING after it is answered with no ERR before, and as not sent when refused", () => {
    const chat = new ChatModel();
    chat.me = "alice";
    const toCarol = said(chat, "@carol", "hi");
    const toRoom = said(chat, "#1", "priority is coffee");
    const toAll = said(chat, LOBBY, "#1 priority is coffee");
    expect([toCarol, toRoom, toAll].map((line) => line.delivery)).toEqual(["sending", "sending", "sending"]);
    for (const line of ["ERR user-not-found carol", "MSG bob meanwhile", "PONG", "ERR not-in-room #1", "PONG", "PONG"]) {
      chat.apply(parseLine(line), now);
    }
    expect([toCarol, toRoom, toAll].map(({ delivery, problem }) => [delivery, problem])).toEqual([
      ["failed", "carol is not online."],
      ["failed", "You are not in #1."],
      ["sent", undefined],
    ]);
    expect(chat.changed).toEqual([toCarol, toRoom, toAll]);
    expect(chat.pending).toEqual([]);
    expect(texts(chat, LOBBY)).toEqual(["alice: #1 priority is coffee", "bob: meanwhile"]);
  });

  it("tells JOIN's and PART's answers from a message's, in order", () => {
    const chat = model(["ROOM #dev 1", "END ROOMS", "OK", "ERR not-in-room #ops", "PONG", "MSG bob #dev hi", "OK"], (c) => {
      c.me = "alice";
      c.pending.push({ verb: "ROOMS" }, { verb: "JOIN", subject: "#dev" });
      said(c, "#ops", "hello");
      c.pending.push({ verb: "PART", subject: "#dev" });
    });
    // OK joined #dev; the ERR was the message's (to #ops); the second OK left #dev.
    expect(chat.roomsOn).toBe(true);
    expect([...chat.joined]).toEqual([]);
    expect(texts(chat, "#dev")).toEqual(["bob: hi", "You left this room."]);
    expect(chat.conversation("#ops").lines.map(({ delivery, problem }) => [delivery, problem])).toEqual([["failed", "You are not in #ops."]]);
  });

  it("says an error that answers nothing where the user is", () => {
    expect(texts(model(["ERR line-too-long"]), LOBBY)).toEqual(["That line is too long for the server."]);
  });

  it("says why the server ended the session where the user is, and takes it for the answer to no command", () => {
    const chat = model(["ERR idle-timeout"], (c) => c.pending.push({ verb: "WHO" }));
    expect(texts(chat, LOBBY)).toEqual(["Disconnected after too long without activity."]);
    expect(chat.pending).toEqual([{ verb: "WHO" }]);
  });

  it("says in words why a room could not be joined, and is not in it", () => {
    const chat = model(["ERR too-many-rooms #dev"], (c) => c.pending.push({ verb: "JOIN", subject: "#dev" }));
    expect([...chat.joined]).toEqual([]);
    expect(texts(chat, LOBBY)).toEqual(["You are in as many rooms as one may be: leave one to join #dev."]);
  });

  it("knows the server has no rooms when ROOMS is an unknown command", () => {
    expect(model(["ERR unknown-command ROOMS"], (c) => c.pending.push({ verb: "ROOMS" })).roomsOn).toBe(false);
  });

  it("after a resume, marks what the replay left unanswered as unconfirmed, once the new token comes", () => {
    const chat = new ChatModel();
    chat.me = "alice";
    const answered = said(chat, LOBBY, "one");
    const lost = said(chat, LOBBY, "two");
    chat.pending.push({ verb: "RESUMABLE" }); // a resume's, whose answer the drop lost: the token was not replaced
    chat.apply(parseLine("RESUMED alice t2"), now);
    chat.pending.push({ verb: "RESUMABLE" });
    const after = said(chat, LOBBY, "three");
    // The replay: the answer to the first message's PING; then the new token; then live.
    for (const line of ["PONG", "TOKEN t3", "PONG"]) chat.apply(parseLine(line), now);
    expect([answered, lost, after].map((line) => line.delivery)).toEqual(["sent", "unconfirmed", "sent"]);
    expect(lost.problem).toBe("The connection dropped before the server answered.");
    expect(chat.pending).toEqual([]);
  });

  it("after a reload, takes the answers replayed to the previous page's commands for theirs, not for its own", () => {
    const before = new ChatModel();
    before.me = "alice";
    said(before, "@carol", "are you there?");
    before.pending.push({ verb: "JOIN", subject: "#dev" });
    said(before, LOBBY, "bye for now");
    // The next page: what the previous one left (through sessionStorage), then what it sends itself.
    const after = new ChatModel();
    after.takeOver(JSON.parse(JSON.stringify(before.handOver())));
    after.apply(parseLine("RESUMED alice t2"), now);
    after.pending.push({ verb: "RESUMABLE" }, { verb: "WHO" });
    const typed = said(after, "@dave", "hello");
    const replay = ["ERR user-not-found carol", "PONG", "OK", "PONG", "TOKEN t3", "USER alice", "END WHO"];
    for (const line of [...replay, "ERR user-not-found dave", "PONG"]) after.apply(parseLine(line), now);
    expect([typed.delivery, typed.problem]).toEqual(["failed", "dave is not online."]);
    expect(after.pending).toEqual([]);
    expect([...after.joined]).toEqual(["#dev"]);
    // The previous page's refused message is not on this one: its refusal is said where the user is.
    expect(texts(after, LOBBY)).toEqual(["carol is not online."]);
  });

  it("marks its own messages awaiting an answer as unconfirmed when it takes up another page's session", () => {
    const restored = new ChatModel();
    restored.me = "alice";
    const line = said(restored, LOBBY, "sent before going back");
    restored.takeOver([]);
    expect([line.delivery, restored.pending, restored.me]).toEqual(["unconfirmed", [], null]);
  });

  it("shows a message the server could not take to the rest of its cluster as not confirmed: some received it", () => {
    const chat = new ChatModel();
    chat.me = "alice";
    const line = said(chat, LOBBY, "hello all");
    for (const answer of ["ERR cluster-unavailable", "PONG"]) chat.apply(parseLine(answer), now);
    expect([line.delivery, line.problem]).toEqual([
      "unconfirmed",
      "Part of the server cannot be reached right now; your message may have reached only some people.",
    ]);
    expect(chat.pending).toEqual([]);
  });

  it("marks messages awaiting an answer as unconfirmed when the session is lost", () => {
    const chat = new ChatModel();
    chat.me = "alice";
    const line = said(chat, "@bob", "are you there?");
    chat.reset();
    expect([line.delivery, chat.pending]).toEqual(["unconfirmed", []]);
  });

  it("takes its own new name on the answer to its NICK, in its place in who is online; a refusal is said in words", () => {
    const chat = model(["OK", "USER alice", "USER bob", "END WHO"], (c) => c.pending.push({ verb: "LOGIN", subject: "alice" }, { verb: "WHO" }));
    chat.pending.push({ verb: "NICK", subject: "bob" });
    chat.apply(parseLine("ERR username-taken"), now);
    chat.pending.push({ verb: "NICK", subject: "alicia" });
    chat.apply(parseLine("OK"), now);
    expect(chat.me).toBe("alicia");
    expect([...chat.users.values()]).toEqual(["alicia", "bob"]);
    expect(texts(chat, LOBBY)).toEqual(["That name is taken: someone online has it. Try another.", "You are now alicia."]);
  });

  it("shows another's rename in the lobby and in the direct conversation with them, which goes on under the new name", () => {
    const chat = model(["USER alice", "USER bob", "USER carol", "END WHO", "DM bob psst"], (c) => {
      c.me = "alice";
      c.pending.push({ verb: "WHO" });
    });
    chat.open("@bob");
    chat.apply(parseLine("INFO bob is now robert"), now);
    expect([...chat.users.values()]).toEqual(["alice", "robert", "carol"]);
    expect(chat.current).toBe("@robert");
    expect(chat.conversations.has("@bob")).toBe(false);
    expect(texts(chat, "@robert")).toEqual(["bob: psst", "bob is now robert"]);
    expect(texts(chat, LOBBY)).toEqual(["bob is now robert"]);
  });

  it("keeps at most 1000 lines a conversation", () => {
    const chat = model(Array.from({ length: 1200 }, (_, i) => `MSG bob ${i}`));
    expect(chat.conversation(LOBBY).lines).toHaveLength(1000);
    expect(texts(chat, LOBBY)[0]).toBe("bob: 200");
  });
});

import { ChatModel, LOBBY } from "../../../src/web-client/chat";
import { parseLine } from "../../../src/web-client/protocol";

const now = new Date(0);

function model(lines: readonly string[], roomsOn = false, setUp?: (chat: ChatModel) => void): ChatModel {
  const chat = new ChatModel();
  setUp?.(chat);
  for (const line of lines) chat.apply(parseLine(line, roomsOn || chat.roomsOn === true), now);
  return chat;
}

const texts = (chat: ChatModel, id: string): string[] =>
  chat.conversation(id).lines.map((line) => (line.from === null ? line.text : `${line.from}: ${line.text}`));

describe("the web client's reading of the protocol", () => {
  it.each([
    ["OK", { kind: "ok" }],
    ["ERR user-not-found Bob", { kind: "error", code: "user-not-found", subject: "Bob" }],
    ["MSG alice hi  there", { kind: "message", from: "alice", text: "hi  there" }],
    ["DM bob <b>x</b>", { kind: "dm", from: "bob", text: "<b>x</b>" }],
    ["USER carol", { kind: "user", name: "carol" }],
    ["END WHO", { kind: "users-end" }],
    ["ROOM #dev 3", { kind: "room", name: "#dev", members: 3 }],
    ["INFO carol disconnected", { kind: "left", user: "carol" }],
    ["INFO carol joined #dev", { kind: "joined-room", user: "carol", room: "#dev" }],
    ["INFO server-shutdown", { kind: "shutdown" }],
    ["HISTORY bob earlier", { kind: "history", from: "bob", text: "earlier" }],
    ["TOKEN abc-_1", { kind: "token", token: "abc-_1" }],
    ["RESUMED alice def.0123456789abcdef", { kind: "resumed", user: "alice", token: "def.0123456789abcdef" }],
    ["SOMETHING new", { kind: "other", line: "SOMETHING new" }],
  ])("reads %j", (line, event) => {
    expect(parseLine(line, false)).toEqual(event);
  });

  it("reads MSG <user> #room <text> as a room's message only when the server has rooms", () => {
    expect(parseLine("MSG bob #dev hi", true)).toEqual({ kind: "room-message", from: "bob", room: "#dev", text: "hi" });
    expect(parseLine("MSG bob #dev hi", false)).toEqual({ kind: "message", from: "bob", text: "#dev hi" });
  });
});

describe("the web client's model", () => {
  it("logs in on OK, lists who is online from WHO, and keeps the list by what it sees", () => {
    const chat = model(["OK", "USER alice", "USER bob", "END WHO", "MSG carol hi", "INFO bob disconnected"], false, (c) =>
      c.pending.push({ verb: "LOGIN", subject: "alice" }),
    );
    expect(chat.me).toBe("alice");
    expect([...chat.users.values()]).toEqual(["alice", "carol"]);
    expect(texts(chat, LOBBY)).toEqual(["carol: hi", "bob left"]);
  });

  it("says why a login was refused, in words", () => {
    const chat = model(["ERR username-taken"], false, (c) => c.pending.push({ verb: "LOGIN", subject: "alice" }));
    expect([chat.me, chat.loginError]).toEqual([null, "That name is taken: someone online has it. Try another."]);
  });

  it("keeps direct messages in a conversation of their own, counted unread until opened", () => {
    // The user wrote to carol, who had left.
    const chat = model(["DM bob one", "DM bob two", "ERR user-not-found carol"], false, (c) => c.conversation("@carol"));
    expect(texts(chat, "@bob")).toEqual(["bob: one", "bob: two"]);
    expect(chat.conversation("@bob").unread).toBe(2);
    chat.open("@bob");
    expect(chat.conversation("@bob").unread).toBe(0);
    expect(texts(chat, "@carol")).toEqual(["carol is not online."]);
  });

  it("tells JOIN's and PART's answers from a room message's error, in order", () => {
    const chat = model(["ROOM #dev 1", "END ROOMS", "OK", "ERR not-in-room #ops", "MSG bob #dev hi", "OK"], false, (c) => {
      c.pending.push({ verb: "JOIN", subject: "#dev" });
      c.pending.push({ verb: "PART", subject: "#dev" });
    });
    // OK joined #dev; the ERR was a message's (to #ops, not the PART pending); the second OK left #dev.
    expect(chat.roomsOn).toBe(true);
    expect([...chat.joined]).toEqual([]);
    expect(texts(chat, "#dev")).toEqual(["bob: hi", "You left this room."]);
    expect(texts(chat, LOBBY)).toEqual(["You are not in #ops."]);
  });

  it("knows the server has no rooms when ROOMS is an unknown command", () => {
    expect(model(["ERR unknown-command ROOMS"]).roomsOn).toBe(false);
  });

  it("keeps at most 1000 lines a conversation", () => {
    const chat = model(Array.from({ length: 1200 }, (_, i) => `MSG bob ${i}`));
    expect(chat.conversation(LOBBY).lines).toHaveLength(1000);
    expect(texts(chat, LOBBY)[0]).toBe("bob: 200");
  });
});

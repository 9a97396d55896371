import { LineCodec } from "../../../src/adapters/line/line-codec";
import type { CommandSyntax, Reply } from "../../../src/core/language";
import type { PluginEventRendering } from "../../../src/core/ports/transport.port";

/** The built-in plugins' forms, the rooms plugin's MSG form first (docs/PLUGINS.md, "Extending a verb"). */
const FORMS: Record<string, (readonly string[])[]> = {
  LOGIN: [["username"]],
  MSG: [["room", "text"], ["text"]],
  DM: [["user", "text"]],
  WHO: [[]],
  JOIN: [["room"]],
  RESUME: [["token", "received"]],
  ROLL: [["args"]],
};

const syntax = (forms: Record<string, (readonly string[])[]>): CommandSyntax => ({ forms: (verb) => forms[verb.toUpperCase()] });

const plugins: PluginEventRendering = {
  render: (_plugin, name, keys, data) => (keys[0] === "line" && name === "rolled" ? `ROLLED ${String(data["user"])} ${String(data["result"])}` : null),
};

function commandsOf(text: string, forms = FORMS): unknown[] {
  const input = new LineCodec(syntax(forms), plugins, 64).input();
  input.push(Buffer.from(text));
  input.endOfInput();
  const commands: unknown[] = [];
  for (let command = input.nextCommand(); command !== null; command = input.nextCommand()) commands.push(command);
  return commands;
}

describe("the line codec, reading", () => {
  it.each([
    ["DM bob hi  there ", { verb: "DM", params: ["bob", "hi  there"] }],
    ["dm   bob\thi", { verb: "dm", params: ["bob", "hi"] }],
    ["DM bob", { verb: "DM", params: ["bob", ""] }],
    ["DM", { verb: "DM", params: ["", ""] }],
    ["LOGIN two words", { verb: "LOGIN", params: ["two words"] }],
    ["WHO and more", { verb: "WHO", params: [] }],
    ["RESUME tok 5 6", { verb: "RESUME", params: ["tok", "5 6"] }],
    ["ROLL 20 sides", { verb: "ROLL", params: ["20 sides"] }],
    ["NOPE a b", { verb: "NOPE", params: [] }],
  ])("splits %j by the command's parameters", (line, command) => {
    expect(commandsOf(`${line}\n`)).toEqual([command]);
  });

  it.each([
    ["MSG #dev hi there", ["#dev", "hi there"]],
    ["MSG hi #dev", ["hi #dev"]],
    ["MSG \\#1 priority", ["#1 priority"]],
    ["MSG \\\\#x", ["\\#x"]],
    ["MSG \\o/", ["\\o/"]],
    ["MSG #dev", ["#dev", ""]],
  ])("takes %j in the first form that fits: a room's form only for a word starting with #", (line, params) => {
    expect(commandsOf(`${line}\n`)).toEqual([{ verb: "MSG", params }]);
  });

  it.each([
    ["LOGIN alice", { verb: "LOGIN", params: ["alice"] }],
    ["LOGIN alice open sesame", { verb: "LOGIN", params: ["alice", "open sesame"] }],
    ["LOGIN alice ", { verb: "LOGIN", params: ["alice"] }],
  ])("takes %j in a form without rooms only when it has a word for each parameter (the accounts plugin's LOGIN)", (line, command) => {
    expect(commandsOf(`${line}\n`, { ...FORMS, LOGIN: [["username", "password"], ["username"]] })).toEqual([command]);
  });

  it("without a form for rooms, says a message starting with # to everyone, unescaped", () => {
    const forms = { ...FORMS, MSG: [["text"]] };
    expect(commandsOf("MSG #1 priority\nMSG \\#1 priority\n", forms)).toEqual([
      { verb: "MSG", params: ["#1 priority"] },
      { verb: "MSG", params: ["#1 priority"] },
    ]);
  });

  it("reads an empty line as nothing to do, and a line it cannot read as its error", () => {
    expect(commandsOf(` \t\n${"x".repeat(100)}\n`)).toEqual([{ verb: "", params: [] }, { kind: "error", code: "line-too-long" }]);
    const input = new LineCodec(syntax(FORMS), plugins, 64).input();
    input.push(Buffer.from([0x50, 0xff, 0x0a]));
    expect(input.nextCommand()).toEqual({ kind: "error", code: "invalid-utf8" });
  });
});

describe("the line codec, writing", () => {
  const codec = new LineCodec(syntax(FORMS), plugins, 64);
  const text = (reply: Reply): string | null => {
    const bytes = codec.encodeReply(reply);
    return bytes === null ? null : Buffer.from(bytes).toString();
  };

  it.each<[Reply, string]>([
    [{ kind: "ok" }, "OK\n"],
    [{ kind: "pong" }, "PONG\n"],
    [{ kind: "error", code: "must-login-first" }, "ERR must-login-first\n"],
    [{ kind: "error", code: "nothing-to-roll", subject: "" }, "ERR nothing-to-roll\n"],
    [{ kind: "error", code: "unknown-command", subject: `X${"Y".repeat(40)}\u0007` }, `ERR unknown-command X${"Y".repeat(31)}\n`],
    [{ kind: "error", code: "user-not-found", subject: "\u0001" }, "ERR user-not-found ?\n"],
    [{ kind: "error", code: "already-in-room", subject: `#${"a".repeat(32)}` }, `ERR already-in-room #${"a".repeat(32)}\n`],
    [{ kind: "error", code: "invalid-sides", subject: "2-6\nINFO forged" }, "ERR invalid-sides 2-6INFO forged\n"],
    [{ kind: "users", users: ["alice", "bob"] }, "USER alice\nUSER bob\nEND WHO\n"],
    [{ kind: "users", users: [] }, "END WHO\n"],
    [{ kind: "rooms", rooms: [{ name: "#dev", members: 2 }] }, "ROOM #dev 2\nEND ROOMS\n"],
    [{ kind: "members", room: "#dev", members: ["a"] }, "MEMBER a\nEND MEMBERS\n"],
    [{ kind: "history", messages: [{ from: "carol", text: "#1 earlier" }] }, "HISTORY carol #1 earlier\nEND HISTORY\n"],
    [{ kind: "token", token: "t" }, "TOKEN t\n"],
    [{ kind: "resumed", username: "alice", token: "t" }, "RESUMED alice t\n"],
    [{ kind: "plugin", plugin: "dice", name: "rolled", data: { user: "alice", result: 4 } }, "ROLLED alice 4\n"],
    [{ kind: "text", text: "EPOCH 0" }, "EPOCH 0\n"],
    [{ kind: "bye" }, "INFO bye\n"],
    [{ kind: "server-shutdown" }, "INFO server-shutdown\n"],
  ])("says %j as the protocol's lines", (reply, lines) => {
    expect(text(reply)).toBe(lines);
  });

  it("says nothing for a plugin's kind it has no rendering for, nor for a message sent (no echo, no id)", () => {
    expect(text({ kind: "plugin", plugin: "dice", name: "unknown", data: {} })).toBeNull();
    expect(text({ kind: "sent", id: "01J0000000000000000000000", at: 0 })).toBeNull();
  });
});

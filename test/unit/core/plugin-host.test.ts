import { build } from "../../../src/composition-root";
import { PluginError } from "../../../src/core/errors";
import { definePlugin } from "../../../src/core/plugin-api";
import type { PluginSpec } from "../../../src/plugin-loader";
import { FakeClock } from "../../../src/testing/fake-clock";
import { InMemoryTransport } from "../../../src/testing/in-memory-transport";
import { RecordingLogger } from "../../../src/testing/recording-logger";

async function load(plugins: readonly PluginSpec[]): Promise<string[]> {
  const app = await build(
    { plugins },
    { clock: new FakeClock(), logger: new RecordingLogger(), transports: [new InMemoryTransport()] },
  );
  return [...app.plugins];
}

async function loadError(plugins: readonly PluginSpec[]): Promise<PluginError> {
  try {
    await load(plugins);
  } catch (error) {
    if (error instanceof PluginError) return error;
    throw error;
  }
  throw new Error("the plugins loaded");
}

const echo = definePlugin({
  name: "echo",
  dependencies: ["login"],
  register({ commands }) {
    commands.add({ verb: "ECHO", handle: ({ session, args }) => session.reply(args) });
  },
});

describe("loading plugins", () => {
  it("loads the built-ins and given plugins in order, dependencies in any order", async () => {
    expect(await load([{ name: "echo", plugin: echo }, { name: "login" }, { name: "ping" }])).toEqual(["echo", "login", "ping"]);
  });

  it.each<[string, PluginSpec[], string]>([
    ["an unknown name", [{ name: "nope" }], 'plugin "nope": no such plugin: not a built-in one (login, msg, who, dm, ping, quit, rooms, history, resume, rename, accounts), nor a package installed in ' + process.cwd()],
    ["a missing export", [{ name: "./x.js", plugin: null }], 'plugin "./x.js": does not export a plugin object'],
    ["a plugin without a name", [{ name: "./x.js", plugin: { register() {} } }], 'plugin "./x.js": has no name'],
    ["a plugin without register", [{ name: "x", plugin: { name: "x" } }], 'plugin "x": has no register function'],
    [
      "bad dependencies",
      [{ name: "x", plugin: { name: "x", dependencies: "login", register() {} } }],
      'plugin "x": dependencies must be a list of plugin names',
    ],
    ["a plugin loaded twice", [{ name: "ping" }, { name: "ping" }], 'plugin "ping": is loaded twice'],
    [
      "a missing dependency",
      [{ name: "echo", plugin: echo }, { name: "ping" }],
      'plugin "echo": depends on "login", which is not loaded',
    ],
    [
      "a verb taken by another plugin",
      [{ name: "ping" }, { name: "pong", plugin: { name: "pong", register: (api: any) => api.commands.add({ verb: "ping", handle() {} }) } }],
      'plugin "pong": verb PING is already registered by plugin "ping"',
    ],
    [
      "an invalid verb",
      [{ name: "bad", plugin: { name: "bad", register: (api: any) => api.commands.add({ verb: "TWO WORDS", handle() {} }) } }],
      'plugin "bad": invalid verb "TWO WORDS": 1 to 32 letters, digits, "_" or "-", starting with a letter',
    ],
    [
      "a command without a handler",
      [{ name: "bad", plugin: { name: "bad", register: (api: any) => api.commands.add({ verb: "X" }) } }],
      'plugin "bad": command X has no handle function',
    ],
    [
      "a register that throws",
      [{ name: "bad", plugin: { name: "bad", register() { throw new Error("no database"); } } }],
      'plugin "bad": register failed: no database',
    ],
  ])("refuses %s with an error naming the plugin", async (_case, plugins, message) => {
    expect((await loadError(plugins)).message).toBe(message);
  });

  it("gives each plugin its options and a logger that names it", async () => {
    const logger = new RecordingLogger();
    let seen: unknown;
    const probe = definePlugin({
      name: "probe",
      options: { size: { type: "integer", default: 1 }, label: { type: "string", default: "none" } },
      register({ options, logger: pluginLogger }) {
        seen = options;
        pluginLogger.info({}, "registered");
      },
    });
    await build(
      { plugins: [{ name: "probe", plugin: probe, options: { size: 3 } }] },
      { clock: new FakeClock(), logger, transports: [new InMemoryTransport()] },
    );
    expect(seen).toEqual({ size: 3, label: "none" });
    expect(logger.find("registered")[0]?.context).toEqual({ plugin: "probe" });
  });
});

describe("options for plugins", () => {
  it("warns about options given for a plugin that is not loaded, and only about those", async () => {
    const logger = new RecordingLogger();
    await build(
      {
        // Options are found by the plugin's name or by how it is listed.
        plugins: [{ name: "login" }, { name: "msg" }, { name: "history" }, { name: "./echo.mjs", plugin: echo }],
        pluginOptions: { history: { size: 5 }, "./echo.mjs": {}, rooms: {}, "./greet.mjs": { greeting: "ahoy" } },
      },
      { clock: new FakeClock(), logger, transports: [new InMemoryTransport()] },
    );
    expect(logger.find("options given for a plugin that is not loaded").map(({ level, context }) => [level, context])).toEqual([
      ["warn", { plugin: "rooms" }],
      ["warn", { plugin: "./greet.mjs" }],
    ]);
  });
});

import { build } from "../../../src/composition-root";
import { PluginHooks } from "../../../src/core/hooks";
import { definePlugin, type PluginApi } from "../../../src/core/plugin-api";
import { FakeClock } from "../../../src/testing/fake-clock";
import { InMemoryTransport } from "../../../src/testing/in-memory-transport";
import { RecordingLogger } from "../../../src/testing/recording-logger";
import { expectLines, settle, startTestServer, type TestServer } from "../../../src/testing/test-server";

const base = ["login", "msg", "ping"];

/** A plugin that does all its work in `register`. */
const plugin = (name: string, register: (api: PluginApi<Record<never, never>>) => void) => ({
  name,
  plugin: definePlugin({ name, register }),
});

/** Log entries with this message, as [plugin, the error's message]. */
const failures = (server: TestServer, message: string): [unknown, unknown][] =>
  server.logger.find(message).map(({ context }) => [context.plugin, (context.err as Error | undefined)?.message]);

describe("a plugin's timers", () => {
  it("run on the server's clock: once after a delay, or every interval until cancelled", async () => {
    const fired: string[] = [];
    const server = await startTestServer({
      plugins: [
        ...base,
        plugin("ticker", ({ timers }) => {
          timers.after(1500, () => void fired.push("once"));
          const tick = timers.every(1000, () => {
            fired.push("tick");
            if (fired.filter((event) => event === "tick").length === 3) tick.cancel();
          });
          timers.after(500, () => void fired.push("never")).cancel();
        }),
      ],
    });
    server.clock.advance(999);
    expect(fired).toEqual([]);
    server.clock.advance(1);
    expect(fired).toEqual(["tick"]);
    server.clock.advance(9000);
    expect(fired).toEqual(["tick", "once", "tick", "tick"]);
  });

  it("log a callback that throws with the plugin's name; the server goes on and the next tick still runs", async () => {
    let ticks = 0;
    const server = await startTestServer({
      plugins: [
        ...base,
        plugin("flaky", ({ timers }) => {
          timers.every(1000, () => {
            ticks++;
            if (ticks === 1) throw new Error("first tick failed");
          });
          timers.after(1000, () => {
            throw new Error("once failed");
          });
        }),
      ],
    });
    const alice = await server.login("alice");
    server.clock.advance(1000);
    expect(failures(server, "timer failed")).toEqual([
      ["flaky", "first tick failed"],
      ["flaky", "once failed"],
    ]);
    alice.send("PING");
    await expectLines(alice, "PONG");
    server.clock.advance(1000);
    expect(ticks).toBe(2);
    expect(server.logger.find("timer failed")).toHaveLength(2);
  });

  it("log a callback whose promise rejects, and go on ticking", async () => {
    let ticks = 0;
    const server = await startTestServer({
      plugins: [
        ...base,
        plugin("remote", ({ timers }) => {
          timers.every(1000, async () => {
            const tick = ++ticks;
            await Promise.resolve();
            throw new Error(`poll ${tick} failed`);
          });
        }),
      ],
    });
    server.clock.advance(2000);
    await settle();
    expect(ticks).toBe(2);
    expect(failures(server, "timer failed")).toEqual([
      ["remote", "poll 1 failed"],
      ["remote", "poll 2 failed"],
    ]);
    expect(server.logger.find("timer failed")[0]?.level).toBe("error");
  });

  it("are cancelled when the server stops: a timer due after the stop never fires", async () => {
    const fired: string[] = [];
    const server = await startTestServer({
      plugins: [
        ...base,
        plugin("ticker", ({ timers }) => {
          timers.every(1000, () => void fired.push("tick"));
          timers.after(5000, () => void fired.push("late"));
        }),
      ],
    });
    server.clock.advance(1000);
    await server.app.stop();
    server.clock.advance(60_000);
    expect(fired).toEqual(["tick"]);
    expect(server.clock.pending).toBe(0);
  });

  it("are not started once the plugins are closing, with a warning naming the plugin", async () => {
    let fired = false;
    const server = await startTestServer({
      plugins: [
        ...base,
        plugin("late", ({ timers, onClose }) => {
          onClose(() => void timers.after(10, () => void (fired = true)));
        }),
      ],
    });
    await server.app.stop();
    server.clock.advance(1000);
    expect(fired).toBe(false);
    expect(server.logger.find("timer not started: the plugins are closing")[0]?.context).toEqual({ plugin: "late", timer: "after" });
  });

  it.each<[string, (api: PluginApi<Record<never, never>>) => void, string]>([
    ["a delay that is not a number", ({ timers }) => timers.after("5s" as never, () => undefined), 'timers.after: the delay must be a number of milliseconds from 0, got "5s"'],
    ["a negative delay", ({ timers }) => timers.after(-1, () => undefined), "timers.after: the delay must be a number of milliseconds from 0, got -1"],
    ["an interval of 0", ({ timers }) => timers.every(0, () => undefined), "timers.every: the interval must be a number of milliseconds above 0, got 0"],
    ["an endless interval", ({ timers }) => timers.every(Infinity, () => undefined), "timers.every: the interval must be a number of milliseconds above 0, got Infinity"],
    ["no callback", ({ timers }) => timers.every(10, undefined as never), "timers.every: the callback must be a function"],
    ["an onClose that is no function", ({ onClose }) => onClose("close" as never), "onClose: the hook must be a function"],
  ])("refuse %s when the plugin registers", async (_case, register, problem) => {
    await expect(startTestServer({ plugins: [...base, plugin("careless", register)] })).rejects.toThrow(
      `plugin "careless": register failed: ${problem}`,
    );
  });
});

describe("onClose", () => {
  it("runs once at stop, after the connections were closed and before the container is disposed", async () => {
    const seen: unknown[] = [];
    let server: TestServer;
    server = await startTestServer({
      plugins: [
        ...base,
        plugin("holder", ({ onClose }) => {
          onClose(() => {
            seen.push(alice.closedByServer, server.app.server.connectionCount);
            seen.push(server.app.container.resolve(PluginHooks) instanceof PluginHooks);
          });
        }),
      ],
    });
    const alice = await server.login("alice");
    await Promise.all([server.app.stop(), server.app.stop()]);
    await server.app.stop();
    expect(seen).toEqual([true, 0, true]);
    await expectLines(alice, "INFO server-shutdown");
    expect(() => server.app.container.resolve(PluginHooks)).toThrow("disposed");
  });

  it("runs the hooks in reverse order of registration: the last plugin's first", async () => {
    const closed: string[] = [];
    const closer = (name: string) =>
      plugin(name, ({ onClose }) => {
        onClose(() => void closed.push(`${name} first hook`));
        onClose(async () => {
          await Promise.resolve();
          closed.push(`${name} second hook`);
        });
      });
    const server = await startTestServer({ plugins: [...base, closer("a"), closer("b"), closer("c")] });
    await server.app.stop();
    expect(closed).toEqual([
      "c second hook",
      "c first hook",
      "b second hook",
      "b first hook",
      "a second hook",
      "a first hook",
    ]);
  });

  it("logs a hook that throws or rejects with its plugin's name, and runs the others", async () => {
    const closed: string[] = [];
    const server = await startTestServer({
      plugins: [
        ...base,
        plugin("first", ({ onClose }) => onClose(() => void closed.push("first"))),
        plugin("throwing", ({ onClose }) =>
          onClose(() => {
            throw new Error("file already closed");
          }),
        ),
        plugin("rejecting", ({ onClose }) => onClose(() => Promise.reject(new Error("socket reset")))),
      ],
    });
    await server.app.stop();
    expect(closed).toEqual(["first"]);
    expect(failures(server, "hook failed")).toEqual([
      ["rejecting", "socket reset"],
      ["throwing", "file already closed"],
    ]);
    expect(server.logger.find("hook failed").map(({ context }) => context.hook)).toEqual(["onClose", "onClose"]);
  });

  it("waits at most 1 s for a hook: one that hangs is logged, and the others and the stop go on", async () => {
    const closed: string[] = [];
    const server = await startTestServer({
      plugins: [
        ...base,
        plugin("first", ({ onClose }) => onClose(() => void closed.push("first"))),
        plugin("hanging", ({ onClose }) => onClose(() => new Promise<void>(() => undefined))),
        plugin("slow", ({ onClose }) =>
          onClose(async () => {
            await new Promise<void>((resolve) => server.clock.schedule(999, resolve));
            closed.push("slow");
          }),
        ),
      ],
    });
    let stopped = false;
    const stopping = server.app.stop().then(() => (stopped = true));
    await settle();
    server.clock.advance(999);
    await settle();
    expect(closed).toEqual(["slow"]);
    server.clock.advance(999);
    await settle();
    expect(stopped).toBe(false);
    server.clock.advance(1);
    await stopping;
    expect(closed).toEqual(["slow", "first"]);
    expect(failures(server, "hook failed")).toEqual([["hanging", "onClose did not finish within 1000 ms"]]);
  });

  it("runs, and the timers are cancelled, when a later plugin fails to register", async () => {
    const clock = new FakeClock();
    const closed: string[] = [];
    const building = build(
      {
        plugins: [
          plugin("opener", ({ timers, onClose }) => {
            timers.every(1000, () => void closed.push("tick"));
            onClose(() => void closed.push("opener closed"));
          }),
          plugin("broken", () => {
            throw new Error("no database");
          }),
        ],
      },
      { clock, logger: new RecordingLogger(), transports: [new InMemoryTransport()] },
    );
    await expect(building).rejects.toThrow('plugin "broken": register failed: no database');
    clock.advance(10_000);
    expect(closed).toEqual(["opener closed"]);
  });
});

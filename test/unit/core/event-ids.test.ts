import { EventIds } from "../../../src/core/event-ids";
import type { DeliveredMessage } from "../../../src/core/plugin-api";
import { FAKE_EPOCH_MS } from "../../../src/testing/fake-clock";
import { linesOf, settle, startTestServer } from "../../../src/testing/test-server";
import { ULID, ulidTime } from "../../support/ulid";

describe("event ids", () => {
  it("are ULIDs holding the time they were made at", () => {
    const id = new EventIds().next(FAKE_EPOCH_MS + 1234);
    expect(id).toMatch(ULID);
    expect(ulidTime(id)).toBe(FAKE_EPOCH_MS + 1234);
  });

  it("sort as they were made: within a millisecond, when the clock steps back, and across milliseconds", () => {
    const ids = new EventIds();
    const made = [
      ...Array.from({ length: 1000 }, () => ids.next(FAKE_EPOCH_MS)),
      ids.next(FAKE_EPOCH_MS - 5000),
      ids.next(FAKE_EPOCH_MS + 1),
      ids.next(FAKE_EPOCH_MS + 1),
    ];
    expect(new Set(made).size).toBe(made.length);
    expect([...made].sort()).toEqual(made);
    expect(ulidTime(made[1000]!)).toBe(FAKE_EPOCH_MS);
  });

  it("move on a millisecond when the random part is spent within one", () => {
    const ids = new EventIds((bytes) => bytes.fill(31));
    const first = ids.next(FAKE_EPOCH_MS);
    const second = ids.next(FAKE_EPOCH_MS);
    expect(first.slice(10)).toBe("Z".repeat(16));
    expect(second).toBe(`${second.slice(0, 10)}${"0".repeat(16)}`);
    expect(ulidTime(second)).toBe(FAKE_EPOCH_MS + 1);
  });

  it("draw a fresh random part each millisecond: two nodes in the same millisecond do not collide", () => {
    const a = new EventIds().next(FAKE_EPOCH_MS);
    const b = new EventIds().next(FAKE_EPOCH_MS);
    expect(a.slice(0, 10)).toBe(b.slice(0, 10));
    expect(a).not.toBe(b);
  });

  it("are given to every delivered message, with the server's wall time, as the onMessage hooks see them", async () => {
    const delivered: DeliveredMessage[] = [];
    const watcher = {
      name: "watcher",
      register({ hooks }: { hooks: { onMessage(hook: (message: DeliveredMessage) => void): void } }) {
        hooks.onMessage((message) => void delivered.push(message));
      },
    };
    const server = await startTestServer({ plugins: ["login", "msg", "dm", { name: "watcher", plugin: watcher }] });
    const alice = await server.login("alice");
    const bob = await server.login("bob");
    alice.send("MSG one");
    server.clock.advance(1500);
    alice.send("DM bob two");
    await settle();
    expect(await linesOf(bob)).toEqual(["MSG alice one", "DM alice two"]);
    expect(delivered.map(({ text, at }) => [text, at])).toEqual([
      ["one", FAKE_EPOCH_MS],
      ["two", FAKE_EPOCH_MS + 1500],
    ]);
    const [one, two] = delivered.map(({ id }) => id);
    expect(one).toMatch(ULID);
    expect(ulidTime(one!)).toBe(FAKE_EPOCH_MS);
    expect(two! > one!).toBe(true);
  });
});

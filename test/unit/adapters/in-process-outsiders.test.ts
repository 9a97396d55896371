import { InProcessDelivery } from "../../../src/adapters/in-process/in-process-delivery";
import { Outgoing, type ChatEvent, type EventBody } from "../../../src/core/events";
import type { Recipient } from "../../../src/core/ports/delivery.port";

/** A recipient that keeps the events it is delivered; `hearsEveryone` may change, as an IRC user's does. */
interface Kept extends Recipient {
  hearsEveryone: boolean;
  readonly events: ChatEvent[];
}

function attached(delivery: InProcessDelivery, username: string, hearsEveryone: boolean): Kept {
  const events: ChatEvent[] = [];
  const recipient: Kept = { deliver: ({ event }) => events.push(event), wantsLogins: true, hearsEveryone, evict: () => undefined, events };
  delivery.attach(username, recipient);
  return recipient;
}

let sequence = 0;
function outgoing(body: EventBody): Outgoing {
  return new Outgoing({ id: `id${++sequence}`, at: 1_700_000_000_000, ...body } as ChatEvent);
}

describe("InProcessDelivery to those outside everyone (an IRC user out of the lobby)", () => {
  let delivery: InProcessDelivery;
  let ivy: Kept;
  let lee: Kept;
  let bob: Kept;

  beforeEach(async () => {
    delivery = new InProcessDelivery();
    ivy = attached(delivery, "ivy", false);
    lee = attached(delivery, "lee", true);
    bob = attached(delivery, "bob", true);
    await delivery.joinGroup("#dev", "ivy", ivy);
    await delivery.joinGroup("#dev", "lee", lee);
  });

  it("sends it no message, notice or plugin event to everyone, and no login; its groups' and its own as ever", async () => {
    for (const body of [
      { type: "message", from: "bob", to: { kind: "everyone" }, text: "hi all" },
      { type: "notice", to: { kind: "everyone" }, text: "maintenance at noon" },
      { type: "plugin", plugin: "dice", name: "rolled", to: { kind: "everyone" }, data: { total: 7 } },
    ] as const) {
      delivery.broadcast(outgoing(body));
    }
    delivery.announceLogin(outgoing({ type: "login", user: "carol" }));
    expect(ivy.events).toEqual([]);
    expect(bob.events.map(({ type }) => type)).toEqual(["message", "notice", "plugin", "login"]);

    const toGroup = outgoing({ type: "message", from: "lee", to: { kind: "group", group: "#dev" }, text: "in here" });
    delivery.sendToGroup("#DEV", toGroup, lee);
    const direct = outgoing({ type: "message", from: "bob", to: { kind: "user", username: "ivy" }, text: "psst" });
    await delivery.sendTo("IVY", direct);
    expect(ivy.events).toEqual([toGroup.event, direct.event]);
  });

  it("sends it, of a departure of several, only its room-mates, in an event of its own; the others get the whole event", () => {
    const departure = outgoing({
      type: "departure",
      users: [
        { username: "sam", reason: "quit", rooms: ["#ops"] },
        { username: "lee", reason: "quit", message: "bye", rooms: ["#Dev", "#ops"] },
        { username: "max", reason: "idle", rooms: [] },
      ],
    });
    delivery.announceDepartures(departure);
    expect(bob.events).toEqual([departure.event]);
    expect(ivy.events).toEqual([{ id: departure.event.id, at: departure.event.at, type: "departure", users: [{ username: "lee", reason: "quit", message: "bye", rooms: ["#Dev", "#ops"] }] }]);
  });

  it("sends it the very event, rendered once for all, when every user of a departure was a room-mate", () => {
    const departure = outgoing({ type: "departure", users: [{ username: "lee", reason: "quit", rooms: ["#dev"] }] });
    delivery.announceDepartures(departure);
    expect(ivy.events).toEqual([departure.event]);
    expect(ivy.events[0]).toBe(departure.event);
  });

  it("sends it a room-mate's rename, once whatever the groups they share, and no stranger's; not to the one renamed", async () => {
    await delivery.joinGroup("#ops", "ivy", ivy);
    await delivery.joinGroup("#ops", "lee", lee);
    const mate = outgoing({ type: "renamed", user: "lee", name: "leo", rooms: ["#dev", "#ops"] });
    delivery.rename("lee", "leo", lee, mate);
    const stranger = outgoing({ type: "renamed", user: "bob", name: "rob", rooms: [] });
    delivery.rename("bob", "rob", bob, stranger);
    expect(ivy.events).toEqual([mate.event]);
    expect(lee.events).toEqual([stranger.event]);
  });

  it("reads at each delivery whether a recipient hears everyone: one back in it gets everything again, one gone out of it no more", () => {
    ivy.hearsEveryone = true;
    lee.hearsEveryone = false;
    const message = outgoing({ type: "message", from: "bob", to: { kind: "everyone" }, text: "welcome back" });
    delivery.broadcast(message, bob);
    expect(ivy.events).toEqual([message.event]);
    expect(lee.events).toEqual([]);
  });
});

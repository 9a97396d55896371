import { InProcessDelivery } from "../../../src/adapters/in-process/in-process-delivery";
import { Outgoing } from "../../../src/core/events";
import type { Recipient } from "../../../src/core/ports/delivery.port";

/** A logged-in user of this process that nothing is read from: these tests look at the groups, not at what is delivered. */
function attached(delivery: InProcessDelivery, username: string): Recipient {
  const recipient: Recipient = { deliver: () => undefined, wantsLogins: false, hearsEveryone: true, evict: () => undefined };
  delivery.attach(username, recipient);
  return recipient;
}

/** A group's roster, its members and operators sorted (neither order is promised). */
async function rosterOf(delivery: InProcessDelivery, group: string): Promise<{ members: string[]; operators: string[]; secret: boolean }> {
  const { members, operators, secret } = await delivery.roster(group);
  return { members: [...members].sort(), operators: [...operators].sort(), secret };
}

describe("InProcessDelivery's groups: operators and modes", () => {
  let delivery: InProcessDelivery;
  let alice: Recipient;
  let bob: Recipient;

  beforeEach(async () => {
    delivery = new InProcessDelivery();
    alice = attached(delivery, "alice");
    bob = attached(delivery, "Bob");
    await delivery.joinGroup("#dev", "alice", alice);
    await delivery.joinGroup("#dev", "Bob", bob);
  });

  it("makes whoever makes a group its operator, and nobody who joins it later", async () => {
    expect(await rosterOf(delivery, "#DEV")).toEqual({ members: ["Bob", "alice"], operators: ["alice"], secret: false });
    expect(await delivery.membershipsOf("bob")).toEqual([{ group: "#dev", operator: false, secret: false }]);
    expect(await delivery.membershipsOf("alice")).toEqual([{ group: "#dev", operator: true, secret: false }]);
  });

  it("lets an operator make a member an operator, by any letter case, and take it back; one who is not is refused", async () => {
    expect(await delivery.changeMode("#dev", "Bob", { mode: "operator", user: "alice", on: false })).toEqual({ status: "not-operator" });
    expect(await delivery.changeMode("#dev", "alice", { mode: "operator", user: "BOB", on: true })).toEqual({
      status: "changed",
      change: { mode: "operator", user: "Bob", on: true },
    });
    expect(await delivery.changeMode("#dev", "alice", { mode: "operator", user: "bob", on: true })).toEqual({ status: "unchanged" });
    expect((await rosterOf(delivery, "#dev")).operators).toEqual(["Bob", "alice"]);
    // Now an operator, Bob may take it from alice, who made him one.
    expect(await delivery.changeMode("#dev", "Bob", { mode: "operator", user: "alice", on: false })).toEqual({
      status: "changed",
      change: { mode: "operator", user: "alice", on: false },
    });
    expect(await delivery.changeMode("#dev", "alice", { mode: "operator", user: "alice", on: true })).toEqual({ status: "not-operator" });
    expect((await rosterOf(delivery, "#dev")).operators).toEqual(["Bob"]);
  });

  it("refuses to make an operator of one who is not a member, and anything in a group nobody is in", async () => {
    attached(delivery, "carol");
    expect(await delivery.changeMode("#dev", "alice", { mode: "operator", user: "carol", on: true })).toEqual({ status: "not-member" });
    expect(await delivery.changeMode("#dev", "alice", { mode: "operator", user: "", on: true })).toEqual({ status: "not-member" });
    expect(await delivery.changeMode("#nobody", "alice", { mode: "secret", on: true })).toEqual({ status: "not-operator" });
    expect(await delivery.roster("#nobody")).toEqual({ members: [], operators: [], secret: false });
  });

  it("makes a group secret and public again, lists it with its mode, and forgets the mode when the group empties", async () => {
    expect(await delivery.changeMode("#dev", "alice", { mode: "secret", on: true })).toEqual({ status: "changed", change: { mode: "secret", on: true } });
    expect(await delivery.changeMode("#dev", "alice", { mode: "secret", on: true })).toEqual({ status: "unchanged" });
    expect(await delivery.groups()).toEqual([{ name: "#dev", members: 2, secret: true }]);
    expect(await delivery.membershipsOf("bob")).toEqual([{ group: "#dev", operator: false, secret: true }]);
    expect(await delivery.changeMode("#dev", "alice", { mode: "secret", on: false })).toEqual({ status: "changed", change: { mode: "secret", on: false } });
    expect(await delivery.changeMode("#dev", "alice", { mode: "secret", on: true })).toEqual({ status: "changed", change: { mode: "secret", on: true } });
    await delivery.leaveGroup("#dev", "alice");
    await delivery.leaveGroup("#dev", "bob");
    // Made again: by its new first member, and not secret.
    await delivery.joinGroup("#dev", "Bob", bob);
    expect(await rosterOf(delivery, "#dev")).toEqual({ members: ["Bob"], operators: ["Bob"], secret: false });
  });

  it("takes the operator status away with the member: on leaving the group, and on leaving altogether", async () => {
    await delivery.changeMode("#dev", "alice", { mode: "operator", user: "bob", on: true });
    await delivery.leaveGroup("#dev", "ALICE");
    expect(await rosterOf(delivery, "#dev")).toEqual({ members: ["Bob"], operators: ["Bob"], secret: false });
    await delivery.joinGroup("#dev", "alice", alice);
    expect((await rosterOf(delivery, "#dev")).operators).toEqual(["Bob"]);
    delivery.detach("Bob", bob);
    expect(await rosterOf(delivery, "#dev")).toEqual({ members: ["alice"], operators: [], secret: false });
  });

  it("keeps a renamed member's operator status, under its new name", async () => {
    delivery.rename("alice", "Alicia", alice, new Outgoing({ id: "01KK0000000000000000000000", at: 0, type: "renamed", user: "alice", name: "Alicia" }));
    expect(await rosterOf(delivery, "#dev")).toEqual({ members: ["Alicia", "Bob"], operators: ["Alicia"], secret: false });
    expect(await delivery.changeMode("#dev", "alicia", { mode: "secret", on: true })).toEqual({ status: "changed", change: { mode: "secret", on: true } });
    expect(await delivery.changeMode("#dev", "alice", { mode: "secret", on: false })).toEqual({ status: "not-operator" });
  });
});

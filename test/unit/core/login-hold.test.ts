import { Outgoing } from "../../../src/core/events";
import { LoginHold } from "../../../src/core/session/login-hold";

const message = (text: string): Outgoing => new Outgoing({ type: "message", id: "01J0000000000000000000000", at: 0, from: "bob", to: { kind: "everyone" }, text });

describe("a login hold", () => {
  it("has its hooks due until they start", () => {
    const hold = new LoginHold();
    expect(hold.due).toBe(true);
    hold.start();
    expect(hold.due).toBe(false);
  });

  it("keeps the events that come meanwhile, in order, whether the hooks are due or running", () => {
    const hold = new LoginHold();
    const [first, second, third] = [message("one"), message("two"), message("three")];
    hold.hold(first);
    hold.start();
    hold.hold(second);
    hold.hold(third);
    expect(hold.events).toEqual([first, second, third]);
  });
});

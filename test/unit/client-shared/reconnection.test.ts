import { answerTo, farewell, NAME_AGAIN_MS, Reconnection, TRY_FOR_MS } from "../../../src/client-shared/reconnection";

/** Chance that leaves each wait as it is. */
const EVEN = 0.5;

/** When a client that lost its connection at `since` tries to connect, each attempt failing at once, until it gives up. */
function attemptTimes(reconnection: Reconnection, since: number, chance = EVEN): number[] {
  const times: number[] = [];
  for (let now = since; ; ) {
    const wait = reconnection.nextWait(now, chance);
    if (wait === null) return times;
    now += wait;
    times.push(now);
  }
}

describe("how a client gets back after its connection ends", () => {
  it.each([
    ["INFO server-shutdown", "restart"],
    ["INFO bye", "end"],
    ["ERR idle-timeout", "end"],
    ["ERR send-queue-exceeded", "end"],
    ["ERR user-not-found bob", null],
    ["INFO bob disconnected", null],
    ["ERR server-full", null],
    ["", null],
  ])("takes %j, the connection's last line, as the farewell %j", (line, expected) => {
    expect(farewell(line)).toBe(expected);
  });

  it.each([
    ["RESUMED alice t2", "in"],
    ["ERR resume-refused unavailable", "again"],
    ["ERR server-full", "again"],
    ["ERR too-many-connections", "again"],
    ["ERR connection-rate-exceeded", "again"],
    ["INFO server-shutdown", "restart"],
    ["ERR resume-refused unknown-token", "login"],
    ["ERR resume-refused gap-too-large", "login"],
    ["ERR unknown-command RESUME", "login"],
  ])("reads %j, answering a RESUME, as %j", (line, answer) => {
    expect(answerTo("RESUME", line)).toBe(answer);
  });

  it.each([
    ["OK", "in"],
    ["ERR server-full", "again"],
    ["INFO server-shutdown", "restart"],
    ["ERR username-taken", "taken"],
    ["ERR invalid-username", "refused"],
    ["ERR already-logged-in", "refused"],
  ])("reads %j, answering a LOGIN, as %j", (line, answer) => {
    expect(answerTo("LOGIN", line)).toBe(answer);
  });

  it("tries after 0.25, 0.5, 1, 2, then every 4 s, until two minutes after the connection was lost", () => {
    const reconnection = new Reconnection(1000, false);
    const times = attemptTimes(reconnection, 1000);
    expect(times.slice(0, 7)).toEqual([1250, 1750, 2750, 4750, 8750, 12_750, 16_750]);
    expect(times.at(-1)).toBeLessThanOrEqual(1000 + TRY_FOR_MS);
    expect(times.at(-1)! + 4000).toBeGreaterThan(1000 + TRY_FOR_MS);
    expect(reconnection.attempts).toBe(times.length);
  });

  it("spreads each wait by up to 20%, either way, by the chance it is given", () => {
    expect(attemptTimes(new Reconnection(0, false), 0, 0).slice(0, 3)).toEqual([200, 600, 1400]);
    expect(attemptTimes(new Reconnection(0, false), 0, 1).slice(0, 3)).toEqual([300, 900, 2100]);
  });

  it("makes an attempt that falls on the end of the stretch, not one after it", () => {
    const reconnection = new Reconnection(0, false, 250);
    expect(reconnection.nextWait(0, EVEN)).toBe(250);
    expect(reconnection.nextWait(0, EVEN)).toBeNull();
    expect(reconnection.attempts).toBe(1);
  });

  it("asks again for a taken name while the next ask falls within the stretch", () => {
    const reconnection = new Reconnection(1000, false);
    expect(reconnection.asksNameAgain(1000 + TRY_FOR_MS - NAME_AGAIN_MS)).toBe(true);
    expect(reconnection.asksNameAgain(1000 + TRY_FOR_MS - NAME_AGAIN_MS + 1)).toBe(false);
  });

  it("tries nothing after a farewell that ended the session", () => {
    const underWay = new Reconnection(0, false);
    for (const line of ["INFO bye", "ERR idle-timeout", "ERR send-queue-exceeded"]) {
      expect(Reconnection.after(line, null, 0)).toBeNull();
      expect(Reconnection.after(line, underWay, 0)).toBeNull();
    }
  });

  it("starts a stretch when the connection drops, and keeps to it when a connection made to get back closes too", () => {
    const dropped = Reconnection.after("MSG bob hi", null, 5000)!;
    expect(dropped.restart).toBe(false);
    expect(dropped.asksNameAgain(5000 + TRY_FOR_MS - NAME_AGAIN_MS)).toBe(true);
    expect(dropped.asksNameAgain(5000 + TRY_FOR_MS - NAME_AGAIN_MS + 1)).toBe(false);
    expect(Reconnection.after("", dropped, 60_000)).toBe(dropped);
    expect(Reconnection.after("ERR resume-refused unavailable", dropped, 60_000)).toBe(dropped);
  });

  it("starts a stretch afresh each time the server says it is restarting, as long as the web client's tests ask", () => {
    const dropped = Reconnection.after("", null, 0)!;
    const restart = Reconnection.after("INFO server-shutdown", dropped, 60_000, 1000)!;
    expect(restart).not.toBe(dropped);
    expect(restart.restart).toBe(true);
    expect(attemptTimes(restart, 60_000)).toEqual([60_250, 60_750]);
    expect(Reconnection.after("", restart, 60_750)).toBe(restart);
  });
});

/**
 * How a client of the line protocol gets back to its chat when its
 * connection ends: the rules chat-client and the web client share (README,
 * docs/WEB.md). Pure: no timers and no sockets of its own; the time is
 * passed in, and so is chance.
 *
 * One rule for how long: a client tries for TRY_FOR_MS from the moment it
 * lost its connection (resuming the session, logging in afresh when that is
 * refused, asking again for a name still taken), or from the moment the
 * server last said it was restarting; after a farewell that ends the
 * session it tries nothing.
 */

/**
 * How long a client tries to get back: longer than a session's resume
 * grace (30 s by default), than a dead cluster node holds its users' names
 * (its 10 s lease, and up to a third of it more), and than a server takes
 * to restart.
 */
export const TRY_FOR_MS = 120_000;

/** Waits before each attempt to connect, the last one repeated. */
const WAITS_MS = [250, 500, 1000, 2000, 4000];

/**
 * Each wait is made longer or shorter by up to this share of it, at random,
 * so that the clients of a server that restarts do not all come back at the
 * same moment.
 */
const SPREAD = 0.2;

/** A name still taken, logging in afresh, is asked for again this often. */
export const NAME_AGAIN_MS = 2000;

/**
 * What a line the server says as it closes the connection means for the
 * session: `restart`, it is over and the client logs in afresh once the
 * server is back; `end`, it is over and nothing is tried.
 */
export type Farewell = "restart" | "end";

const FAREWELLS: ReadonlyMap<string, Farewell> = new Map([
  ["INFO server-shutdown", "restart"],
  ["INFO bye", "end"],
  ["ERR idle-timeout", "end"],
  ["ERR send-queue-exceeded", "end"],
  // Its account was signed out everywhere: getting back in takes its password.
  ["ERR signed-out", "end"],
]);

/**
 * A connection over one of the server's limits is told so, then closed: it
 * says nothing of the session or the name, so the client tries again.
 */
const OVER_A_LIMIT: ReadonlySet<string> = new Set(["ERR server-full", "ERR too-many-connections", "ERR connection-rate-exceeded"]);

/**
 * The farewell `line` is (`INFO server-shutdown`: a restart; QUIT's `INFO
 * bye`, `ERR idle-timeout`, `ERR send-queue-exceeded`, `ERR signed-out`:
 * the end), or null: a connection that closes after any other line dropped.
 */
export function farewell(line: string): Farewell | null {
  return FAREWELLS.get(line) ?? null;
}

/**
 * What the server's answer to a `RESUME` or a `LOGIN` says to do next:
 * - `in`: the client is in (`RESUMED ...`, `OK`);
 * - `again`: try on a new connection: this one was over a limit of the
 *   server's, or the node holding the session did not answer (a cluster's:
 *   it may yet; `ERR resume-refused unavailable`);
 * - `restart`: the server is restarting: the close that follows says so
 *   (see farewell);
 * - `login`: the session is gone (its grace passed, more was missed than
 *   the server kept, or the server cannot resume): log in afresh;
 * - `taken`: the name is still held, by a session that a dead node of a
 *   cluster has not let go of yet: ask for it again (Reconnection.asksNameAgain);
 * - `refused`: the login is refused.
 *
 * A first login, with nothing to get back to, takes `again` and `taken`
 * as refusals.
 */
export type Answer = "in" | "again" | "restart" | "login" | "taken" | "refused";

export function answerTo(sent: "RESUME" | "LOGIN", line: string): Answer {
  if (farewell(line) === "restart") return "restart";
  if (OVER_A_LIMIT.has(line)) return "again";
  if (sent === "RESUME") {
    if (line.startsWith("RESUMED ")) return "in";
    return line === "ERR resume-refused unavailable" ? "again" : "login";
  }
  if (line === "OK") return "in";
  return line === "ERR username-taken" ? "taken" : "refused";
}

/**
 * One stretch of trying to get back, TRY_FOR_MS long: the waits between
 * attempts to connect, and whether a taken name is asked for again.
 */
export class Reconnection {
  private readonly until: number;
  private made = 0;

  /**
   * `since`: when the connection was lost; `restart`: the server said it
   * was restarting (the session is over: the client logs in afresh);
   * `forMs`: how long to try (shorter in the web client's tests).
   */
  constructor(
    since: number,
    readonly restart: boolean,
    forMs = TRY_FOR_MS,
  ) {
    this.until = since + forMs;
  }

  /**
   * The stretch to go on with once a connection closed after `lastLine`
   * ("" if none was read on it): none after a farewell that ended the
   * session; a new one when the server said it was restarting; else the one
   * under way (a connection made to get back closed too), or a new one
   * (the connection dropped).
   */
  static after(lastLine: string, current: Reconnection | null, now: number, forMs = TRY_FOR_MS): Reconnection | null {
    switch (farewell(lastLine)) {
      case "end":
        return null;
      case "restart":
        return new Reconnection(now, true, forMs);
      default:
        return current ?? new Reconnection(now, false, forMs);
    }
  }

  /** How many attempts were made (each nextWait is one). */
  get attempts(): number {
    return this.made;
  }

  /**
   * The wait before the next attempt to connect, in whole milliseconds,
   * which counts as made; null when it would end past the stretch: the
   * client gives up. `chance` is a number from 0 to 1 (Math.random's).
   */
  nextWait(now: number, chance: number): number | null {
    const wait = Math.round(WAITS_MS[Math.min(this.made, WAITS_MS.length - 1)]! * (1 - SPREAD + 2 * SPREAD * chance));
    if (now + wait > this.until) return null;
    this.made++;
    return wait;
  }

  /** Whether a name refused as taken at `now` is asked for again, NAME_AGAIN_MS later: while that falls within the stretch. */
  asksNameAgain(now: number): boolean {
    return now + NAME_AGAIN_MS <= this.until;
  }
}

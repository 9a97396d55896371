import { randomBytes } from "node:crypto";
import type { EventStamps } from "../../core/event-ids";
import type { ChatEvent, Departed, Outgoing } from "../../core/events";
import type { ClockPort, Timer } from "../../core/ports/clock.port";
import type { Recipient } from "../../core/ports/delivery.port";
import type { LoggerPort } from "../../core/ports/logger.port";
import type { GivenSession, MovedSession, ResumeRefusal, ResumeRequest, SessionMovesPort } from "../../core/ports/session-moves.port";
import type { Replay } from "../../core/resume-log";
import { nameKey } from "../../core/text";
import type { InProcessDelivery } from "../in-process/in-process-delivery";
import type { ClusterPresence } from "./cluster-presence";
import { compareIds, DEPARTURE, EVERYONE, GROUP, LOCAL_DEPARTURES, USER, type StreamEntry } from "./cluster-stream";
import type { ScriptedRedis } from "./scripts";

/** Kinds of bus entries of a move: a request for a session (to the process holding it), the answer (to the one asking). */
export const REQUEST = "R";
export const ANSWER = "A";

/** How long a node waits for the holder of a session to answer: past it, the resume is refused ("unavailable"). */
const ANSWER_TIMEOUT_MS = 5000;
/** Events kept while waiting for answers; past it the resumes waiting are refused rather than the window grow without bound. */
const MAX_WINDOW = 100_000;
/** Resumes waiting for another node's answer at once; more are refused ("unavailable"). */
const MAX_WAITING = 256;

/** What the moves need of the node. */
export interface MovesHost {
  readonly redis: ScriptedRedis;
  readonly prefix: string;
  readonly nodeId: string;
  readonly maxlen: string;
  /** This process's token: the origin of its bus entries, and where requests for its sessions are addressed. */
  readonly token: string;
  /** The lease (the cluster's nodes are expected to share it): a process key missing for twice as long means its process is gone. */
  readonly leaseMs: number;
  /** The node's time, by which a resume waiting for another node's answer gives up. */
  readonly clock: ClockPort;
  /** Appends an entry to the bus (throws UnavailableError when the node is not in the cluster). */
  send(kind: string, target: string, payload: string): void;
}

/** An event that went by while a session was on its way here: from this node (`id` null), or read from the bus. */
interface Passed {
  readonly id: string | null;
  readonly origin: string;
  /** The bus's kind of entry (see cluster-stream.ts), or LOCAL_DEPARTURES. */
  readonly kind: string;
  readonly target: string;
  readonly event: Outgoing | null;
}

interface Waiting {
  readonly recipient: Recipient;
  readonly adopt: (moved: MovedSession) => void;
  readonly done: (refusal: ResumeRefusal | null) => void;
  readonly timer: Timer;
  /** Where in the window what went by since its request begins. */
  readonly from: number;
}

interface Request extends ResumeRequest {
  readonly id: string;
  /** The node asking, and its process. */
  readonly node: string;
  readonly from: string;
}

interface Answer {
  readonly id: string;
  /** The request's bus entry: what the session missed up to it is in `replay`. */
  readonly after: string;
  readonly refused?: ResumeRefusal;
  readonly username?: string;
  readonly seq?: number;
  readonly groups?: readonly string[];
  readonly replay?: WireReplay;
}

/** What a session missed, on the bus: its events as the core keeps them, its answers as the text its door sent. */
interface WireReplay {
  readonly items: readonly (ChatEvent | { readonly sent: string })[];
  readonly skip: number;
  readonly lines: number;
}

const NOTHING_MISSED: Replay = Object.freeze({ items: Object.freeze([]), skip: 0, lines: 0 });

function toWire({ items, skip, lines }: Replay): WireReplay {
  return { items: items.map((item) => (item instanceof Uint8Array ? { sent: Buffer.from(item).toString("utf8") } : item)), skip, lines };
}

function fromWire({ items, skip, lines }: WireReplay): Replay {
  return { items: items.map((item) => ("sent" in item ? Buffer.from(item.sent, "utf8") : item)), skip, lines };
}

/** A token's route: the process token of the node that issued it, after the last ".". */
const ROUTE = /\.([0-9a-f]{16})$/;

/**
 * Resuming across nodes through the bus. Node B, where a client resumes a
 * session held by node A (the token says which: A's process token ends it),
 * puts a request (R) on the bus; A gives the session up (its name, and the
 * lines it missed) and, in one script, moves the name to B and answers (A).
 * The answer's place in the bus is where the session moves: B attaches it
 * then. What went by at B between the request and the answer (B's own
 * events from the request on, and the bus's entries after the request but
 * A's, which A's session had) is delivered after A's lines: every line once,
 * in order. See docs/CLUSTER.md.
 */
export class ClusterMoves implements SessionMovesPort {
  readonly route: string;
  private readonly waiting = new Map<string, Waiting>();
  /** Sessions held here offered to another node, until the move is settled (by name key). */
  private readonly leaving = new Set<string>();
  /** What went by while resumes were waiting: one list for all of them, let go once none waits. */
  private window: Passed[] = [];
  private give: ((request: ResumeRequest) => GivenSession | ResumeRefusal) | null = null;

  constructor(
    private readonly host: MovesHost,
    /** This node's users: a session given up leaves them, one moved here joins them. */
    private readonly local: InProcessDelivery,
    private readonly presence: ClusterPresence,
    private readonly logger: LoggerPort,
    /** For the departures this node tells of its own. */
    private readonly stamps: EventStamps,
  ) {
    this.route = `.${host.token}`;
  }

  isElsewhere(token: string): boolean {
    const route = ROUTE.exec(token)?.[1];
    return route !== undefined && route !== this.host.token;
  }

  serve(give: (request: ResumeRequest) => GivenSession | ResumeRefusal): void {
    this.give = give;
  }

  async fetch(resume: ResumeRequest, recipient: Recipient, adopt: (moved: MovedSession) => void): Promise<ResumeRefusal | null> {
    const owner = ROUTE.exec(resume.token)![1]!;
    // A process surely not alive (its lease ran out, or it never was) holds nothing: no need to ask.
    try {
      if ((await this.host.redis.chatProcessAlive(this.host.prefix, owner, 2 * this.host.leaseMs)) === 0) return "unknown-token";
    } catch {
      return "unavailable";
    }
    return this.ask(owner, resume, recipient, adopt);
  }

  /** Puts the request on the bus, and waits for the answer, keeping what goes by meanwhile. */
  private ask(owner: string, resume: ResumeRequest, recipient: Recipient, adopt: (moved: MovedSession) => void): Promise<ResumeRefusal | null> {
    if (this.waiting.size >= MAX_WAITING) return Promise.resolve("unavailable");
    const id = randomBytes(8).toString("hex");
    const { token, point, protocol } = resume;
    const request: Request = { id, token, point, protocol, node: this.host.nodeId, from: this.host.token };
    return new Promise((resolve) => {
      const done = (refusal: ResumeRefusal | null): void => {
        this.waiting.get(id)?.timer.cancel();
        this.waiting.delete(id);
        if (this.waiting.size === 0) this.window = [];
        resolve(refusal);
      };
      const timer = this.host.clock.schedule(ANSWER_TIMEOUT_MS, () => done("unavailable"));
      // From here on what goes by is kept: the request and the start of the window are one step.
      this.waiting.set(id, { recipient, adopt, done, timer, from: this.window.length });
      try {
        this.host.send(REQUEST, owner, JSON.stringify(request));
      } catch {
        done("unavailable");
      }
    });
  }

  /**
   * Whether the user's session, held here, is being offered to another
   * node: what only this node would deliver to it (a DM from a user here)
   * goes on the bus too, for the node it may be on by the time it is read.
   */
  isLeaving(username: string): boolean {
    return this.leaving.has(nameKey(username));
  }

  /** Whether events going by are kept (a session is on its way here). */
  get watching(): boolean {
    return this.waiting.size > 0;
  }

  /** An event going by, from this node (`id` null) or the bus, while a session is on its way. */
  passed(id: string | null, origin: string, kind: string, target: string, event: Outgoing | null): void {
    if (this.window.push({ id, origin, kind, target, event }) <= MAX_WINDOW) return;
    for (const waiting of [...this.waiting.values()]) waiting.done("unavailable");
  }

  /** A bus entry of a move, addressed to this process. */
  take(entry: StreamEntry): void {
    let payload: unknown;
    try {
      payload = JSON.parse(entry.payload.toString("utf8"));
    } catch (error) {
      this.logger.warn({ err: error, kind: entry.kind }, "a move from another node could not be read");
      return;
    }
    if (entry.kind === REQUEST) this.requested(entry.id, payload as Request);
    else this.answered(entry.origin, payload as Answer);
  }

  /** Another node asks for a session held here. */
  private requested(after: string, request: Request): void {
    const given = this.give?.(request) ?? "unknown-token";
    const { host, local, presence } = this;
    if (typeof given === "string") return this.refuse(request, after, given);
    const { username } = given;
    const key = nameKey(username);
    const groups = [...local.memberships()].filter(([, name]) => nameKey(name) === key).map(([group]) => group);
    const seq = presence.seqOf(username) ?? 0;
    this.leaving.add(key);
    const answer: Answer = { id: request.id, after, username, seq, groups, replay: toWire(given.replay) };
    // The session is the other node's only once the script has moved its
    // name (and put the answer on the bus): until then it stays here, and
    // if the move fails (the asking node is gone, this node lost its claim,
    // Redis is away) it stays for good, resumable as before.
    const settle = (moved: boolean): void => {
      this.leaving.delete(key);
      given.settle(moved);
      if (!moved) {
        this.logger.warn({ user: username }, "a session resumed on another node could not be moved there: it stays here");
        return this.refuse(request, after, "unavailable");
      }
      const session = local.recipient(username);
      if (session !== undefined) local.detach(username, session);
      presence.moveOut(username);
    };
    host.redis.chatHandOver(host.prefix, host.nodeId, host.token, username, request.node, host.maxlen, request.from, JSON.stringify(answer)).then(
      (moved) => settle(moved === 1),
      () => settle(false),
    );
  }

  /** Tells the asking node it gets nothing; if the bus cannot be reached, it gives up by itself. */
  private refuse(request: Request, after: string, reason: ResumeRefusal): void {
    try {
      this.host.send(ANSWER, request.from, JSON.stringify({ id: request.id, after, refused: reason } satisfies Answer));
    } catch {
      // Not in the cluster now: the asking node's wait runs out.
    }
  }

  /** The holder answered: the session moves here now (or was refused). */
  private answered(holder: string, answer: Answer): void {
    const waiting = this.waiting.get(answer.id);
    if (answer.refused !== undefined) return waiting?.done(answer.refused);
    const username = answer.username!;
    if (waiting === undefined) {
      // Too late: the client was told the resume failed. The name moved here
      // all the same: it is freed (the others read the departure from the
      // bus), and this node's users are told here.
      this.presence.moveIn(username, answer.seq ?? 0);
      this.presence.release(username);
      this.local.announceDepartures(this.stamps.event({ type: "departure", users: [{ username, reason: "left", rooms: answer.groups ?? [] }] }));
      return;
    }
    const { local, presence } = this;
    presence.moveIn(username, answer.seq ?? 0);
    local.attach(username, waiting.recipient);
    for (const group of answer.groups ?? []) void local.joinGroup(group, username, waiting.recipient);
    const replay = answer.replay === undefined ? NOTHING_MISSED : fromWire(answer.replay);
    waiting.adopt({ username, replay, missed: missedBy(this.window.slice(waiting.from), holder, answer, this.stamps) });
    waiting.done(null);
  }
}

/**
 * What a session moving here missed between the request and the answer:
 * this node's events from the request on, and the bus's entries after the
 * request but the holder's (its session had those), that were for it.
 * Everything to everyone was: a session that resumes hears everyone (only
 * the line protocol's and the JSON API's resume, and their users are
 * always in the lobby; see Recipient.hearsEveryone).
 */
function missedBy(window: readonly Passed[], holder: string, answer: Answer, stamps: EventStamps): Outgoing[] {
  const user = nameKey(answer.username!);
  const groups = new Set((answer.groups ?? []).map(nameKey));
  const missed: Outgoing[] = [];
  let departed: Departed[] = [];
  const tellDepartures = (): void => {
    if (departed.length === 0) return;
    missed.push(stamps.event({ type: "departure", users: departed }));
    departed = [];
  };
  for (const { id, origin, kind, target, event } of window) {
    if (id !== null && (origin === holder || compareIds(id, answer.after) <= 0)) continue;
    if (kind === DEPARTURE) {
      departed.push({ username: target, reason: "left" });
      continue;
    }
    tellDepartures();
    const forUser =
      kind === EVERYONE || kind === LOCAL_DEPARTURES || (kind === USER && nameKey(target) === user) || (kind === GROUP && groups.has(target));
    if (forUser && event !== null) missed.push(event);
  }
  tellDepartures();
  return missed;
}

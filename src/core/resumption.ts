import { inject, injectable } from "tsyringe";
import type { Replay } from "./resume-log";
import type { ClockPort, Timer } from "./ports/clock.port";
import type { LoggerPort } from "./ports/logger.port";
import type { MetricsPort } from "./ports/metrics.port";
import type { GivenSession, ResumeRefusal, ResumeRequest, SessionMovesPort } from "./ports/session-moves.port";
import type { Member } from "./member";
import type { CoreSettings } from "./settings";
import { TOKENS } from "./tokens";

/** What a resume came to: the session taken over, and what it missed; or why not. */
export type ResumeOutcome = { readonly resumed: Member; readonly replay: Replay } | { readonly refused: ResumeRefusal };

interface Held {
  readonly session: Member;
  /** Running while the session's connection is gone. */
  grace: Timer | null;
  /** Offered to another node, until the cluster has moved it (or failed to). */
  moving: boolean;
}

/** 144 random bits, URL-safe: a token nobody guesses. */
function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

/**
 * Resumable sessions: the tokens issued, the sessions whose connection
 * dropped and that wait (`--resume-grace`) for a new connection to take
 * them over. A token is used once: a resume issues a new one; of two
 * connections that present one token at once, one resumes.
 */
@injectable()
export class Resumption {
  private readonly byToken = new Map<string, Held>();
  private readonly tokens = new WeakMap<Member, string>();

  constructor(
    @inject(TOKENS.Clock) private readonly clock: ClockPort,
    @inject(TOKENS.Settings) private readonly settings: CoreSettings,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
    @inject(TOKENS.Metrics) private readonly metrics: MetricsPort,
    /** Other nodes, in a cluster: they may hold the session a token names, or ask for one held here. */
    @inject(TOKENS.Moves) readonly moves: SessionMovesPort,
  ) {
    moves.serve((request) => this.give(request));
  }

  /** Whether sessions may be resumed at all (`--resume-grace` 0 turns it off). */
  get enabled(): boolean {
    return this.settings.resumeGraceMs > 0;
  }

  /** A new token for a logged-in session (its earlier one no longer works); what it is sent from now on is kept. */
  issue(session: Member): string {
    this.revoke(session);
    const token = newToken() + this.moves.route;
    this.byToken.set(token, { session, grace: null, moving: false });
    this.tokens.set(session, token);
    // A replay is sent at once: it must fit in the resumed connection's send queue.
    session.keepLog(Math.min(this.settings.resumeBufferBytes, Math.floor(this.settings.maxSendQueueBytes / 2)));
    return token;
  }

  /** The session left for good (QUIT, a timeout, a kick): its token no longer works. */
  revoke(session: Member): void {
    const token = this.tokens.get(session);
    const held = token === undefined ? undefined : this.byToken.get(token);
    if (held !== undefined) this.useUp(token!, held);
  }

  /** Its connection dropped: it waits for the grace, then leaves as a dropped connection does. */
  detached(session: Member): void {
    const token = this.tokens.get(session);
    const held = token === undefined ? undefined : this.byToken.get(token);
    if (token === undefined || held === undefined) return session.expire();
    held.grace = this.clock.schedule(this.settings.resumeGraceMs, () => {
      this.useUp(token, held);
      this.logger.info({ user: session.username }, "resume grace over");
      session.expire();
    });
  }

  /**
   * Takes the session the request's token names (dropped, or still
   * connected: a client on a new network may resume before its old
   * connection is known to be dead), if what was sent after the point the
   * client got to is still kept. The token is used up then; a gap too
   * large uses it up too, and ends the old session, so that the name is
   * free for a fresh login.
   */
  take(request: ResumeRequest): ResumeOutcome {
    const held = this.byToken.get(request.token);
    if (held === undefined || held.moving) return { refused: "unknown-token" };
    const replay = this.replayFor(request, held);
    if (typeof replay === "string") return { refused: replay };
    this.useUp(request.token, held);
    return { resumed: held.session, replay };
  }

  /**
   * Another node asks for the session `token` names (its client resumed
   * there): it is offered, with the lines it missed, and goes without a
   * word once the cluster has moved it (see GivenSession).
   */
  private give(request: ResumeRequest): GivenSession | ResumeRefusal {
    const { token } = request;
    const held = this.byToken.get(token);
    if (held === undefined || held.moving) return "unknown-token";
    const replay = this.replayFor(request, held);
    if (typeof replay === "string") return replay;
    const { session } = held;
    const username = session.username!;
    held.moving = true;
    held.grace?.cancel();
    held.grace = null;
    return {
      username,
      replay,
      settle: (moved) => {
        held.moving = false;
        if (!moved) {
          // It stays here: waiting again for a resume, a grace afresh (if its connection is still gone).
          if (!session.isOpen) this.detached(session);
          return;
        }
        this.useUp(token, held);
        session.handOver();
        this.metrics.userLeft();
        this.logger.info({ user: username }, "resumed on another node");
      },
    };
  }

  /**
   * What the session missed after the point the client got to (see
   * ResumeLog.since). A connection of another protocol, or a point the
   * server never sent, is the client's mistake, and uses nothing up. A gap
   * too large uses the token up and ends the session, so that the name is
   * free for a fresh login.
   */
  private replayFor({ token, point, protocol }: ResumeRequest, held: Held): Replay | ResumeRefusal {
    const { session } = held;
    if (session.protocol !== protocol) return "other-protocol";
    // Its rename is on its way: the client tries again (as for any unavailable), and takes it over under the name it ends up with.
    if (session.renaming) return "unavailable";
    const log = session.resumeLog;
    const replay = log === null ? "bad-count" : log.since(point);
    if (replay === "gap-too-large") {
      this.useUp(token, held);
      if (session.isOpen) session.end("resume-gap");
      else session.expire();
    }
    return replay;
  }

  private useUp(token: string, held: Held): void {
    this.byToken.delete(token);
    this.tokens.delete(held.session);
    held.grace?.cancel();
  }

  /** The sessions waiting for a resume (their connection gone) that `picked` picks leave: their tokens no longer work. */
  expireWhere(picked: (session: Member) => boolean): void {
    for (const [token, held] of [...this.byToken]) {
      if (held.grace === null || !picked(held.session)) continue;
      this.useUp(token, held);
      held.session.expire();
    }
  }

  /** At shutdown: the sessions still waiting leave (nobody is told: everyone is leaving). */
  closeAll(): void {
    for (const { session, grace } of [...this.byToken.values()]) {
      grace?.cancel();
      // Those still connected are closed by the shutdown itself.
      if (!session.isOpen) session.expire();
    }
    this.byToken.clear();
  }
}

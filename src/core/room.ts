import { inject, injectable } from "tsyringe";
import { PluginHooks, type MessageDecision } from "./hooks";
import type {
  ChatMessage,
  DisconnectEvent,
  GroupInfo,
  LoginResult,
  MessageTarget,
  RoomApi,
  SendResult,
  SessionHandle,
} from "./plugin-api";
import type { DeliveryPort } from "./ports/delivery.port";
import type { LoggerPort } from "./ports/logger.port";
import type { MetricsPort } from "./ports/metrics.port";
import type { PresencePort } from "./ports/presence.port";
import { everyoneLines } from "./protocol/shared-lines";
import { encodeLineAlone, isValidUsername } from "./protocol/text";
import { Session } from "./session";
import { TOKENS } from "./tokens";

const NOT_FOUND: SendResult = Object.freeze({ status: "not-found" });
const GONE: SendResult = Object.freeze({ status: "gone" });

/**
 * The users who are logged in, as the domain sees them: claims names through
 * the presence port and reaches users and groups through the delivery port,
 * so that both can live elsewhere (another process, a cluster) without the
 * room or the plugins knowing.
 */
@injectable()
export class Room implements RoomApi {
  /** Users who left and are yet to be announced. */
  private departures: DisconnectEvent[] = [];

  constructor(
    @inject(TOKENS.Presence) private readonly presence: PresencePort,
    @inject(TOKENS.Delivery) private readonly delivery: DeliveryPort,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
    @inject(TOKENS.Metrics) private readonly metrics: MetricsPort,
    private readonly hooks: PluginHooks,
  ) {
    delivery.setDepartureLines(departureLines);
  }

  async login(handle: SessionHandle, username: string): Promise<LoginResult> {
    const session = asSession(handle);
    if (session.username !== null) return "already-logged-in";
    if (!isValidUsername(username)) return "invalid-username";
    if (!(await this.presence.claim(username))) return "username-taken";
    if (!session.isOpen) {
      // The connection went away while the claim was in flight; the reply goes nowhere.
      this.presence.release(username);
      return "ok";
    }
    session.joined(username, this.hooks.hasLoginHooks);
    this.delivery.attach(username, session);
    this.logger.info({ conn: session.id, user: username }, "login");
    this.metrics.userLoggedIn();
    return "ok";
  }

  /** Stops delivering to a session that is closing; `leave` follows. */
  withdraw(session: Session): void {
    this.delivery.detach(session.username!, session);
  }

  /**
   * Called once for every session that logged in, when it ends. The others
   * are told once the work at hand is done, together with everyone else
   * who left meanwhile: when thousands are dropped at once (a broadcast
   * that overflows many send queues), each remaining user gets one write
   * of their departures instead of thousands, so that a mass departure
   * costs the server in proportion to the users, not to their square.
   */
  leave(session: Session, reason: string): void {
    const username = session.username!;
    this.delivery.detach(username, session);
    this.presence.release(username);
    this.metrics.userLeft();
    if (this.departures.push({ username, reason }) === 1) queueMicrotask(this.announceDepartures);
  }

  users(): Promise<readonly string[]> {
    return this.presence.list();
  }

  send(message: ChatMessage, format: (text: string) => string): Promise<SendResult> {
    const decision = this.hooks.decide(message);
    return decision instanceof Promise
      ? decision.then((settled) => this.deliverMessage(message, settled, format))
      : this.deliverMessage(message, decision, format);
  }

  async notify(to: MessageTarget, line: string, except?: SessionHandle): Promise<boolean> {
    const bytes = this.encodeFor(to, line);
    const skip = except === undefined ? undefined : asSession(except);
    switch (to.kind) {
      case "everyone":
        this.delivery.broadcast(bytes, skip);
        return true;
      case "group":
        this.delivery.sendToGroup(to.group, bytes, skip);
        return true;
      case "user":
        return this.delivery.sendTo(to.username, bytes);
    }
  }

  async join(handle: SessionHandle, group: string): Promise<boolean> {
    const session = asMember(handle);
    if (!session.isOpen) return false;
    const username = session.username!;
    const joined = await this.delivery.joinGroup(group, username, session);
    if (joined && !session.isOpen) {
      // It left while the join was in flight: no ghost members.
      await this.delivery.leaveGroup(group, username);
      return false;
    }
    return joined;
  }

  part(handle: SessionHandle, group: string): Promise<boolean> {
    return this.delivery.leaveGroup(group, asMember(handle).username!);
  }

  isMember(handle: SessionHandle, group: string): boolean {
    return handle.username !== null && this.delivery.isInGroup(group, handle.username);
  }

  groups(): Promise<readonly GroupInfo[]> {
    return this.delivery.groups();
  }

  /** A line to everyone goes into the shared slabs; any other into memory of its own. */
  private encodeFor(to: MessageTarget, line: string): Uint8Array {
    return to.kind === "everyone" ? everyoneLines.encode(line) : encodeLineAlone(line);
  }


  private readonly announceDepartures = (): void => {
    const departures = this.departures;
    this.departures = [];
    const usernames = departures.map(({ username }) => username);
    try {
      this.delivery.announceDepartures(usernames, departureLines(usernames));
    } catch (error) {
      // Nobody's connection is to blame: log it, and go on.
      this.logger.error({ users: usernames, err: error }, "announcing departures failed");
    }
    for (const event of departures) this.hooks.runDisconnect(event);
  };

  private async deliverMessage(
    message: ChatMessage,
    decision: MessageDecision,
    format: (text: string) => string,
  ): Promise<SendResult> {
    if (decision.refuse !== undefined) return { status: "refused", reply: decision.refuse };
    const from = asSession(message.from);
    // Hooks may take time; a sender who left meanwhile says nothing more.
    if (!from.isOpen) return GONE;
    const { text } = decision;
    const { to } = message;
    const line = this.encodeFor(to, format(text));
    if (to.kind === "everyone") this.delivery.broadcast(line, from);
    else if (to.kind === "group") this.delivery.sendToGroup(to.group, line, from);
    else if (!(await this.delivery.sendTo(to.username, line))) return NOT_FOUND;
    this.hooks.runMessage(text === message.text ? message : { ...message, text });
    return { status: "sent", text };
  }
}


/** One line to everyone for each user who left, in one buffer. */
function departureLines(usernames: readonly string[]): Uint8Array {
  return everyoneLines.encode(usernames.map((username) => `INFO ${username} disconnected`).join("\n"));
}

function asSession(handle: SessionHandle): Session {
  if (!(handle instanceof Session)) {
    throw new TypeError("the room only accepts the sessions it handed to commands");
  }
  return handle;
}

function asMember(handle: SessionHandle): Session {
  const session = asSession(handle);
  if (session.username === null) throw new TypeError("only a logged-in session can be in a group");
  return session;
}

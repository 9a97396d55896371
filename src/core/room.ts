import { inject, injectable } from "tsyringe";
import type { LoginResult, RoomApi, SessionHandle } from "./plugin-api";
import type { DeliveryPort } from "./ports/delivery.port";
import type { LoggerPort } from "./ports/logger.port";
import type { PresencePort } from "./ports/presence.port";
import { encodeLine, isValidUsername } from "./protocol/text";
import { Session } from "./session";
import { TOKENS } from "./tokens";

/**
 * The users who are logged in, as the domain sees them: claims names through
 * the presence port and reaches users through the delivery port, so that
 * both can live elsewhere (another process, a cluster) without the room or
 * the plugins knowing.
 */
@injectable()
export class Room implements RoomApi {
  constructor(
    @inject(TOKENS.Presence) private readonly presence: PresencePort,
    @inject(TOKENS.Delivery) private readonly delivery: DeliveryPort,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
  ) {}

  async login(handle: SessionHandle, username: string): Promise<LoginResult> {
    const session = asSession(handle);
    if (session.username !== null) return "already-logged-in";
    if (!isValidUsername(username)) return "invalid-username";
    if (!(await this.presence.claim(username))) return "username-taken";
    if (!session.isOpen) {
      // The connection went away while the claim was in flight.
      this.presence.release(username);
      return "ok";
    }
    session.joined(username);
    this.delivery.attach(username, session);
    this.logger.info({ conn: session.id, user: username }, "login");
    return "ok";
  }

  /** Stops delivering to a session that is closing; `leave` follows. */
  withdraw(session: Session): void {
    this.delivery.detach(session.username!, session);
  }

  /** Called once for every session that logged in, when it ends. */
  leave(session: Session): void {
    const username = session.username!;
    this.delivery.detach(username, session);
    this.presence.release(username);
    this.delivery.broadcast(encodeLine(`INFO ${username} disconnected`));
  }

  broadcast(from: SessionHandle, line: string): void {
    this.delivery.broadcast(encodeLine(line), asSession(from));
  }

  sendTo(username: string, line: string): Promise<boolean> {
    return this.delivery.sendTo(username, encodeLine(line));
  }

  users(): Promise<readonly string[]> {
    return this.presence.list();
  }
}

function asSession(handle: SessionHandle): Session {
  if (!(handle instanceof Session)) {
    throw new TypeError("the room only accepts the sessions it handed to commands");
  }
  return handle;
}

import { inject, injectable, injectAll } from "tsyringe";
import { CommandDispatcher } from "./commands";
import { ConnectionLimits } from "./connection-limits";
import { PluginHooks } from "./hooks";
import { Turns } from "./turns";
import type { ClockPort } from "./ports/clock.port";
import type { LoggerPort } from "./ports/logger.port";
import type { MetricsPort } from "./ports/metrics.port";
import type {
  Connection,
  ConnectionAcceptor,
  ConnectionHandler,
  HandshakeFailure,
  ListeningAddress,
  Refusal,
  TransportPort,
} from "./ports/transport.port";
import { PluginEvents } from "./plugin-events";
import { SERVER_SHUTDOWN } from "./language";
import { Resumption } from "./resumption";
import { BrowserSignIns } from "./browser-sign-ins";
import { Room } from "./room";
import { Session, turnOutputLimit, type SessionServices } from "./session";
import { floodRate } from "./session/flood-budget";
import type { CoreSettings } from "./settings";
import { TOKENS } from "./tokens";

export interface StopOptions {
  /** How long connections get to flush their last lines before being dropped. */
  readonly graceMs?: number;
}

const DEFAULT_GRACE_MS = 3000;

/** Refusals are logged at most this often, with their counts since the last entry: a flood cannot fill the logs. */
const REFUSAL_LOG_INTERVAL_MS = 10_000;

/**
 * Accepts connections from every transport, gives each a session, and
 * shuts them all down in order.
 */
@injectable()
export class ChatServer implements ConnectionAcceptor {
  private readonly sessions = new Set<Session>();
  private readonly services: SessionServices;
  private readonly limits: ConnectionLimits;
  private nextSessionId = 1;
  private stopping: Promise<void> | null = null;
  private started = false;
  private onIdle: (() => void) | null = null;
  /** Refusals since the last "connections refused" log entry, by reason. */
  private refusals: Partial<Record<Refusal, number>> = {};
  private refusalsLoggedAt = -Infinity;

  constructor(
    @injectAll(TOKENS.Transport) private readonly transports: TransportPort[],
    @inject(TOKENS.Clock) private readonly clock: ClockPort,
    @inject(TOKENS.Logger) private readonly logger: LoggerPort,
    @inject(TOKENS.Metrics) private readonly metrics: MetricsPort,
    @inject(TOKENS.Settings) settings: CoreSettings,
    readonly syntax: CommandDispatcher,
    private readonly room: Room,
    hooks: PluginHooks,
    readonly pluginEvents: PluginEvents,
    private readonly resumption: Resumption,
    readonly browserSignIns: BrowserSignIns,
  ) {
    this.limits = new ConnectionLimits(settings);
    this.services = {
      clock,
      logger,
      metrics,
      settings,
      flood: floodRate(settings),
      turnOutputLimit: turnOutputLimit(settings),
      commands: syntax,
      hooks,
      turns: new Turns(clock),
      withdraw: (session) => room.withdraw(session),
      leave: (session, reason, message) => {
        resumption.revoke(session);
        room.leave(session, reason, message);
      },
      closed: (session) => this.forget(session),
      detached: (session) => resumption.detached(session),
      vacate: (session) => this.limits.release(session.remoteAddress),
      modeChanged: (session, words) => room.modeChanged(session, words),
    };
  }

  get maxLineBytes(): number {
    return this.services.settings.maxLineBytes;
  }

  /** Open connections, logged in or not. */
  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Taking connections: started and not stopping. */
  get isAccepting(): boolean {
    return this.started && this.stopping === null;
  }

  /** Listens on every transport; resolves with their addresses, in order. */
  async start(): Promise<ListeningAddress[]> {
    const addresses: ListeningAddress[] = [];
    for (const transport of this.transports) {
      const address = await transport.listen(this);
      this.logger.info({ transport: transport.name, ...address }, "listening");
      addresses.push(address);
    }
    this.started = true;
    return addresses;
  }

  /**
   * Stops accepting, tells every connection `server-shutdown`, closes
   * them, and drops those still open after the grace period.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.stopping ??= this.shutDown(options.graceMs ?? DEFAULT_GRACE_MS);
    return this.stopping;
  }

  private async shutDown(graceMs: number): Promise<void> {
    this.logger.info({ connections: this.sessions.size }, "shutting down");
    await Promise.all(this.transports.map((transport) => transport.stopAccepting()));
    const sessions = [...this.sessions];
    for (const session of sessions) session.beginClose("shutdown", SERVER_SHUTDOWN);
    for (const session of sessions) session.finishClose();
    // The sessions waiting to be resumed leave too (told to nobody: everyone has been withdrawn).
    this.resumption.closeAll();
    if (this.sessions.size > 0) {
      await new Promise<void>((resolve) => {
        const grace = this.clock.schedule(graceMs, () => {
          for (const session of this.sessions) session.destroy();
        });
        this.onIdle = () => {
          grace.cancel();
          resolve();
        };
      });
    }
    this.logger.info({}, "stopped");
  }

  admit(remoteAddress: string, perAddress = true): Refusal | null {
    // A transport may still hand over a connection it accepted just before it stopped.
    const refusal = this.stopping !== null ? "server-shutdown" : this.limits.admit(remoteAddress, this.clock.now(), perAddress);
    if (refusal !== null) this.refused(refusal, remoteAddress);
    return refusal;
  }

  open(connection: Connection): ConnectionHandler {
    const session = new Session(this.nextSessionId++, connection, this.services);
    this.sessions.add(session);
    this.room.admit(session);
    this.metrics.connectionOpened();
    return session;
  }

  abandon(remoteAddress: string, reason: HandshakeFailure | null, perAddress = true): void {
    this.limits.release(remoteAddress, perAddress);
    if (reason !== null) this.metrics.connectionRefused(reason);
  }

  /** Logs refusals at most once per interval, with how many of each kind there were. */
  private refused(refusal: Refusal, remoteAddress: string): void {
    this.metrics.connectionRefused(refusal);
    this.refusals[refusal] = (this.refusals[refusal] ?? 0) + 1;
    const now = this.clock.now();
    if (now - this.refusalsLoggedAt < REFUSAL_LOG_INTERVAL_MS) return;
    this.logger.warn({ refused: this.refusals, last: remoteAddress }, "connections refused");
    this.refusals = {};
    this.refusalsLoggedAt = now;
  }

  private forget(session: Session): void {
    this.sessions.delete(session);
    this.room.forget(session);
    // One waiting for a resume keeps its place until it is resumed or its grace ends (see vacate):
    // an address cannot leave more sessions behind than it may have connections.
    if (!session.waitingForResume) this.limits.release(session.remoteAddress);
    this.metrics.connectionClosed(session.closeReason);
    if (this.sessions.size === 0) this.onIdle?.();
  }
}

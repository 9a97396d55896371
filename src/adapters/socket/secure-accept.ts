import type { Socket } from "node:net";
import tls, { type SecureContext } from "node:tls";
import type { ClockPort } from "../../core/ports/clock.port";
import type { HandshakeFailure } from "../../core/ports/transport.port";

/** A certificate and its private key, PEM-encoded. */
export interface TlsIdentity {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

/** How long a client has to finish its TLS handshake, unless configured. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5000;

/** The TLS settings every identity is served with, at start and after a reload alike. */
export function secureContext(identity: TlsIdentity): SecureContext {
  return tls.createSecureContext({ ...identity, minVersion: "TLSv1.2" });
}

/**
 * The TLS handshakes a transport runs on the sockets it accepts, so that a
 * transport that stops can drop those not done: they are no session yet,
 * nobody is to be told, and each would hold its socket (and the process)
 * until its timeout.
 */
export class TlsHandshakes {
  private readonly pending = new Set<() => void>();

  constructor(
    private readonly timeoutMs: number,
    private readonly clock: ClockPort,
  ) {}

  /**
   * Runs the server side of a TLS handshake on an accepted socket: `ready`
   * with the secure socket once done, or `failed` (the socket destroyed) if
   * it fails or takes longer than the timeout, or (reason null) is dropped
   * by `cancelAll`.
   */
  accept(
    socket: Socket,
    context: SecureContext,
    ready: (secure: tls.TLSSocket) => void,
    failed: (reason: HandshakeFailure | null, error?: Error) => void,
  ): void {
    // The raw socket's settings (half-open, no Nagle) carry over.
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
    const settle = (): void => {
      timer.cancel();
      this.pending.delete(cancel);
      secure.off("error", onError);
      secure.off("close", onClose);
    };
    const fail = (reason: HandshakeFailure | null, error?: Error): void => {
      settle();
      secure.destroy();
      failed(reason, error);
    };
    const cancel = (): void => fail(null);
    const timer = this.clock.schedule(this.timeoutMs, () => fail("handshake-timeout"));
    const onError = (error: Error): void => fail("handshake-failed", error);
    const onClose = (): void => fail("handshake-failed");
    secure.once("error", onError);
    secure.once("close", onClose);
    secure.once("secure", () => {
      settle();
      ready(secure);
    });
    this.pending.add(cancel);
  }

  /** Drops every handshake under way. */
  cancelAll(): void {
    for (const cancel of [...this.pending]) cancel();
  }
}

import type { Socket } from "node:net";
import tls, { type SecureContext } from "node:tls";
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
 * Runs the server side of a TLS handshake on an accepted socket: `ready`
 * with the secure socket once done, or `failed` (the socket destroyed) if
 * it fails, or takes longer than `timeoutMs`.
 */
export function acceptSecure(
  socket: Socket,
  context: SecureContext,
  timeoutMs: number,
  ready: (secure: tls.TLSSocket) => void,
  failed: (reason: HandshakeFailure, error?: Error) => void,
): void {
  // The raw socket's settings (half-open, no Nagle) carry over.
  const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
  const fail = (reason: HandshakeFailure, error?: Error): void => {
    clearTimeout(timer);
    secure.off("close", onClose);
    secure.destroy();
    failed(reason, error);
  };
  const timer = setTimeout(() => fail("handshake-timeout"), timeoutMs);
  const onError = (error: Error): void => fail("handshake-failed", error);
  const onClose = (): void => fail("handshake-failed");
  secure.once("error", onError);
  secure.once("close", onClose);
  secure.once("secure", () => {
    clearTimeout(timer);
    secure.off("error", onError);
    secure.off("close", onClose);
    ready(secure);
  });
}

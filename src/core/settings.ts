/** The knobs of the core, already validated by whoever builds the server. */
export interface CoreSettings {
  /** Idle time after which a connection is dropped; 0 disables. */
  readonly idleTimeoutMs: number;
  /** Longest accepted line in bytes, not counting the line ending. */
  readonly maxLineBytes: number;
  /** Lines per second a connection may send once its burst is spent; 0 disables flood control. */
  readonly rateLimitPerSecond: number;
  /** Lines a connection may send at once before the rate applies; 0 disables flood control. */
  readonly rateBurst: number;
  /** Output waiting for one client, in bytes, beyond which it is disconnected. */
  readonly maxSendQueueBytes: number;
  /** Open connections in all; 0 for no limit. */
  readonly maxConnections: number;
  /** Open connections from one address (IPv6: one /64); loopback is exempt while `exemptLoopback`; 0 for no limit. */
  readonly maxConnectionsPerAddress: number;
  /** New connections a second from one address once its burst is spent; loopback is exempt while `exemptLoopback`; 0 disables. */
  readonly connectRatePerSecond: number;
  /** New connections one address may open at once before the rate applies; 0 disables. */
  readonly connectBurst: number;
  /** Loopback (127.0.0.0/8, ::1) is under neither per-address limit (local tools, a proxy on the same host). */
  readonly exemptLoopback: boolean;
  /** Rooms one user may be in at once (a user lives on one node, so this holds across the cluster); 0 for no limit. */
  readonly maxRoomsPerUser: number;
  /** Rooms with members on this node; 0 for no limit. */
  readonly maxRooms: number;
  /** How long a resumable session whose connection dropped waits to be resumed; 0 turns resuming off. */
  readonly resumeGraceMs: number;
  /** What a resumable session keeps of what it was sent, in bytes, for a resume. */
  readonly resumeBufferBytes: number;
  /** Who may register an account: anyone (`open`), or only the operator, with the CLI (`closed`). */
  readonly registration: "open" | "closed";
  /** Whether users without an account may log in (under names no account has). */
  readonly guests: boolean;
  /** Whether a password may cross a connection without TLS from an address other than loopback. */
  readonly plainPasswords: boolean;
  /** Password hashes (and checks) running at once; the others wait their turn. */
  readonly hashesAtOnce: number;
}

export const DEFAULT_CORE_SETTINGS: CoreSettings = {
  idleTimeoutMs: 60_000,
  maxLineBytes: 4096,
  rateLimitPerSecond: 10,
  rateBurst: 20,
  maxSendQueueBytes: 1024 * 1024,
  maxConnections: 10_000,
  maxConnectionsPerAddress: 100,
  connectRatePerSecond: 10,
  connectBurst: 50,
  exemptLoopback: true,
  maxRoomsPerUser: 100,
  maxRooms: 10_000,
  resumeGraceMs: 30_000,
  resumeBufferBytes: 256 * 1024,
  registration: "open",
  guests: true,
  plainPasswords: false,
  hashesAtOnce: 2,
};

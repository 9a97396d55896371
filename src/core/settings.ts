/** The knobs of the core, already validated by whoever builds the server. */
export interface CoreSettings {
  /** Idle time after which a connection is dropped; 0 disables. */
  readonly idleTimeoutMs: number;
  /** Longest accepted line in bytes, not counting the line ending. */
  readonly maxLineBytes: number;
}

export const DEFAULT_CORE_SETTINGS: CoreSettings = {
  idleTimeoutMs: 60_000,
  maxLineBytes: 4096,
};

/** A plugin that cannot be loaded; the message names it. */
export class PluginError extends Error {
  override readonly name = "PluginError";

  constructor(
    readonly plugin: string,
    problem: string,
  ) {
    super(`plugin "${plugin}": ${problem}`);
  }
}

/**
 * A service the server shares with other nodes (the cluster's store) cannot
 * be reached. The client is answered `cluster-unavailable`; what this
 * node could do alone (deliver to its own users) has been done.
 */
export class UnavailableError extends Error {
  override readonly name = "UnavailableError";
}

/**
 * The server's database (accounts) cannot answer. The client is answered
 * `accounts-unavailable`; the users online stay, and what needs no
 * database goes on.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}

/** Why a room could not be joined: the error code the client is answered, about the room. */
export type RoomLimit = "too-many-rooms" | "rooms-full";

/**
 * A join refused by a limit on rooms: the user is in as many as it may be
 * (`too-many-rooms`), or this node holds as many rooms as it may and the
 * room would be a new one here (`rooms-full`). Thrown by the room, so that
 * every plugin that joins gets the answer: that error, about the room.
 */
export class RoomLimitError extends Error {
  override readonly name = "RoomLimitError";

  constructor(
    readonly code: RoomLimit,
    readonly room: string,
  ) {
    super(`${code} ${room}`);
  }
}

import type { ScriptedRedis } from "./scripts";

/**
 * The format of what the nodes write in Redis: the entries on the bus and in
 * the plugins' lists. Nodes of two formats would misread each other, so they
 * never run together (there is no rolling upgrade: see docs/CLUSTER.md).
 * Raise it with any change a node of the version before would misread.
 *
 * 5 (#21): an account signed out everywhere, a kind of entry on the bus
 * (`S`) that a node of format 4 would not act on: its sessions there would
 * go on.
 * 4 (#20): rooms' operators and modes, a kind of event on the bus (`mode`)
 * that a node of format 3 cannot render; a departure on the bus names the
 * groups its user was in (`g`), and a rename carries them, without which a
 * node would not tell its users outside everyone of their room-mates'.
 * 3 (#20): renames, a kind of event on the bus (`renamed`) that a node of
 * format 2 cannot render.
 * 2 (#19): the events on the bus carry their message id and the time they
 * were accepted, and the history keeps them.
 * 1: the versions before, which record no format.
 */
export const CLUSTER_FORMAT = "5";

/** The format of a cluster whose running nodes record none: theirs. */
const UNRECORDED_FORMAT = "1";

/** The cluster's running nodes are of another format: this node must not join them. */
export class ClusterFormatError extends Error {}

/**
 * Checks that the cluster's running nodes are of this node's format, at
 * join and at rejoin (Redis may have lost the record): where no node runs,
 * the cluster is this node's to record as of its format, whatever format
 * the nodes that ran before had (see FORMAT in scripts.ts). Rejects with
 * ClusterFormatError otherwise.
 */
export async function checkFormat(redis: ScriptedRedis, prefix: string): Promise<void> {
  const format = (await redis.chatFormat(prefix, CLUSTER_FORMAT)) ?? UNRECORDED_FORMAT;
  if (format === CLUSTER_FORMAT) return;
  throw new ClusterFormatError(
    `the cluster in Redis is of format ${format} and this node of format ${CLUSTER_FORMAT}: nodes of different formats cannot run together. Stop all nodes, then start the new version`,
  );
}

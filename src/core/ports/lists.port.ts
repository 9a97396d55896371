/**
 * Short lists of text kept for plugins (the history's last messages): in
 * memory on one server, in the cluster's Redis so that every node sees the
 * same lists and a node's restart loses none of them.
 */
export interface ListsPort {
  /** Appends `item` to `list`, keeping the newest `keep` items. */
  push(list: string, item: string, keep: number): void;
  /** The newest `count` items of `list`, oldest first; rejects (UnavailableError) when the store cannot be reached. */
  newest(list: string, count: number): Promise<readonly string[]>;
}

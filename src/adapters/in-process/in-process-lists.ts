import type { ListsPort } from "../../core/ports/lists.port";

/** The lists in this process's memory: one server's. */
export class InProcessLists implements ListsPort {
  private readonly lists = new Map<string, string[]>();

  push(list: string, item: string, keep: number): void {
    let items = this.lists.get(list);
    if (items === undefined) this.lists.set(list, (items = []));
    items.push(item);
    // Trimmed in steps, not at every push: amortized constant time per item.
    if (items.length >= keep * 2 + 16) items.splice(0, items.length - keep);
    else if (keep === 0) items.length = 0;
  }

  newest(list: string, count: number): Promise<readonly string[]> {
    const items = this.lists.get(list) ?? [];
    return Promise.resolve(count <= 0 ? [] : items.slice(-count));
  }
}

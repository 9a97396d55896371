import { InProcessPresence } from "../../src/adapters/in-process/in-process-presence";

/**
 * The in-process registry of names, counting the names it reads: every
 * name online for `list()`, only those asked for `find()`. What a command
 * costs as the number of users grows, counted rather than timed.
 */
export class CountingPresence extends InProcessPresence {
  /** Names read since the last `reset()`. */
  namesRead = 0;

  override async list(): Promise<readonly string[]> {
    const names = await super.list();
    this.namesRead += names.length;
    return names;
  }

  override find(usernames: readonly string[]): Promise<readonly string[]> {
    this.namesRead += usernames.length;
    return super.find(usernames);
  }

  reset(): void {
    this.namesRead = 0;
  }
}

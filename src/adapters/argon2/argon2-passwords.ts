import { hash, verify } from "@node-rs/argon2";
import type { PasswordsPort } from "../../core/ports/store.port";

/**
 * argon2id with OWASP's first recommended setting (19 MiB of memory, 2
 * passes, 1 lane): about 25 ms of one core a hash on this project's
 * benchmark machine (docs/ACCOUNTS.md). The work runs on libuv's thread
 * pool, off the event loop; how many run at once is the core's to bound
 * (Accounts). A hash records its parameters, so raising them later still
 * verifies the old hashes.
 */
export const ARGON2_PARAMETERS = Object.freeze({ algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 });

export class Argon2Passwords implements PasswordsPort {
  hash(password: string): Promise<string> {
    return hash(password, ARGON2_PARAMETERS);
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password);
    } catch {
      // Not a hash this library reads (a damaged row): it matches no password.
      return false;
    }
  }
}

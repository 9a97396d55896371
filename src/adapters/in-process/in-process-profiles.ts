import type { Profile, ProfilesPort } from "../../core/ports/profiles.port";
import { nameKey } from "../../core/text";

/** The profiles of a single server's users, in memory. */
export class InProcessProfiles implements ProfilesPort {
  private readonly profiles = new Map<string, Profile>();

  describe(username: string, profile: Profile): void {
    this.profiles.set(nameKey(username), profile);
  }

  profilesOf(usernames: readonly string[]): Promise<readonly (Profile | null)[]> {
    return Promise.resolve(usernames.map((name) => this.profiles.get(nameKey(name)) ?? null));
  }

  forget(username: string): void {
    this.profiles.delete(nameKey(username));
  }
}

import { describeRedis, redisPerTest } from "../support/redis-fixture";

/*
 * Rooms' operators and modes in the registry's scripts (scripts.ts), against
 * a real redis-server: kept with the group's members, moved and freed with
 * them (see channel-operators.test.ts for whole servers).
 */

const PREFIX = "chat:";

describeRedis("the registry's scripts: rooms' operators and modes", () => {
  const { connect } = redisPerTest();

  /** A node `a` holding these names, each in `#dev` in the order given. */
  async function registry(...names: string[]): Promise<ReturnType<typeof connect>> {
    const redis = connect();
    await redis.set(`${PREFIX}node:a`, "token-a");
    for (const name of names) {
      expect(await redis.chatClaim(PREFIX, "a", "token-a", name, "login", 0)).toBeGreaterThan(0);
      expect(await redis.chatJoinGroup(PREFIX, "#dev", "#dev", name)).toBe(1);
    }
    return redis;
  }

  it("make a group's first member its operator; change modes for its operators only, in one step", async () => {
    const redis = await registry("alice", "Bob", "carol");
    expect(await redis.smembers(`${PREFIX}group-ops:#dev`)).toEqual(["alice"]);
    expect(await redis.chatChangeMode(PREFIX, "#dev", "Bob", "secret", "1", "")).toEqual([-1, ""]);
    expect(await redis.chatChangeMode(PREFIX, "#dev", "alice", "operator", "1", "nobody")).toEqual([-2, ""]);
    expect(await redis.chatChangeMode(PREFIX, "#dev", "alice", "operator", "1", "BOB")).toEqual([1, "Bob"]);
    expect(await redis.chatChangeMode(PREFIX, "#dev", "alice", "operator", "1", "bob")).toEqual([0, "Bob"]);
    expect(await redis.chatChangeMode(PREFIX, "#dev", "Bob", "secret", "1", "")).toEqual([1, ""]);
    expect(await redis.chatChangeMode(PREFIX, "#dev", "Bob", "secret", "1", "")).toEqual([0, ""]);
    expect(await redis.chatChangeMode(PREFIX, "#dev", "Bob", "operator", "0", "alice")).toEqual([1, "alice"]);
    expect(await redis.smembers(`${PREFIX}group-ops:#dev`)).toEqual(["Bob"]);
    expect(await redis.smembers(`${PREFIX}secret-groups`)).toEqual(["#dev"]);
    // A group nobody is in has no operators.
    expect(await redis.chatChangeMode(PREFIX, "#none", "Bob", "secret", "1", "")).toEqual([-1, ""]);
  });

  it("take operator status away on leaving, move it with a rename, and free the modes with the group's last member", async () => {
    const redis = await registry("alice", "bob", "carol");
    await redis.chatChangeMode(PREFIX, "#dev", "alice", "operator", "1", "bob");
    await redis.chatChangeMode(PREFIX, "#dev", "alice", "secret", "1", "");
    expect(await redis.chatLeaveGroup(PREFIX, "#dev", "alice")).toBe(1);
    expect(await redis.chatRename(PREFIX, "a", "token-a", "bob", "Robert", "1000", "{}")).toBeGreaterThan(0);
    expect(await redis.smembers(`${PREFIX}group-ops:#dev`)).toEqual(["Robert"]);
    // A departure (its script frees the name): its operator status goes too.
    expect(await redis.chatRelease(PREFIX, "a", "token-a", "Robert", "1000", "")).toBe(1);
    expect(await redis.exists(`${PREFIX}group-ops:#dev`)).toBe(0);
    expect(await redis.smembers(`${PREFIX}secret-groups`)).toEqual(["#dev"]);
    expect(await redis.chatLeaveGroup(PREFIX, "#dev", "carol")).toBe(1);
    expect(await redis.smembers(`${PREFIX}secret-groups`)).toEqual([]);
    // Made again: its new first member runs it, and it is not secret.
    expect(await redis.chatJoinGroup(PREFIX, "#dev", "#dev", "carol")).toBe(1);
    expect(await redis.smembers(`${PREFIX}group-ops:#dev`)).toEqual(["carol"]);
  });
});

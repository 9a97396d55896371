import type Redis from "ioredis";

/**
 * The cluster's registry in Redis, changed only by these scripts so that
 * every change is atomic (Redis runs a script alone). Keys, under a prefix:
 *
 *   bus                  the stream every node reads (see cluster-stream.ts)
 *   node:<id>            a node's claim on its id, and its lease: the random
 *                        token of the process holding it, expiring unless renewed
 *   process:<token>      the other way round: the node id of a live process,
 *                        with the same lease (a resume token names a process)
 *   format               the format of the running nodes' entries (see
 *                        cluster-format.ts)
 *   epoch                when (Redis's clock, ms) this Redis was first joined
 *                        since it last lost its data: a process key missing
 *                        from a Redis younger than a lease proves nothing
 *   nodes                set of the node ids in the cluster
 *   node-users:<id>      set of the names logged in at that node
 *   name:<lower>         the node holding a username
 *   shown                hash: name key -> the name as its user wrote it
 *   profiles             hash: name key -> what others see of the user (JSON:
 *                        see RedisProfiles); moved and deleted with the name
 *   logins               sorted set of names, by login sequence (WHO)
 *   login-seq            that sequence
 *   user-groups:<lower>  set of the groups a user is in
 *   group:<key>          set of a group's members
 *   group-ops:<key>      set of those of a group's members who are its
 *                        operators (its first member is); left, freed and
 *                        moved with the membership
 *   group-names          hash: group key -> name as shown
 *   secret-groups        set of the keys of the groups that are secret
 *                        (listed to their members only); gone with the group
 *
 * One Redis, not Redis Cluster: the scripts touch keys they compute.
 *
 * A process changes the registry for its node only while it holds the
 * node's claim (the scripts check the token): a process that was paused past
 * its lease, and whose id another process took meanwhile, cannot free or
 * take names in that node's name.
 *
 * A departure is written to the bus in the same script that frees the name
 * (an entry of kind "D" naming the user, with its words on leaving and the
 * groups it was in), so that a name is never freed
 * without everyone being told, even if the node that frees it dies right
 * after. Its origin is the process that freed it (which told its own users
 * already), or "" when a node is reaped (nobody has told anyone yet).
 * Likewise a rename is written to the bus in the script that moves the
 * name (see RENAME).
 */

/** The commands these scripts become on a connection (ioredis `defineCommand`). */
export interface ScriptCommands {
  chatFormat(prefix: string, format: string): Promise<string | null>;
  chatJoinNode(prefix: string, node: string, token: string, leaseMs: number): Promise<number>;
  chatRenew(prefix: string, node: string, token: string, leaseMs: number): Promise<number>;
  chatLeaveNode(prefix: string, node: string, token: string, maxlen: string): Promise<number>;
  chatClearPreviousRun(prefix: string, node: string, token: string, maxlen: string): Promise<string[]>;
  chatReap(prefix: string, node: string, maxlen: string): Promise<string[]>;
  chatClaim(prefix: string, node: string, token: string, name: string, mode: "login" | "reclaim", seq: number): Promise<number>;
  chatRelease(prefix: string, node: string, token: string, name: string, maxlen: string, words: string): Promise<number>;
  chatRename(prefix: string, node: string, token: string, from: string, to: string, maxlen: string, payload: string): Promise<number>;
  chatJoinGroup(prefix: string, group: string, shown: string, name: string): Promise<number>;
  chatLeaveGroup(prefix: string, group: string, name: string): Promise<number>;
  chatChangeMode(prefix: string, group: string, by: string, mode: string, on: "1" | "0", user: string): Promise<[number, string]>;
  chatHandOver(prefix: string, node: string, token: string, name: string, to: string, maxlen: string, target: string, payload: string): Promise<number>;
  chatProcessAlive(prefix: string, token: string, spanMs: number): Promise<number>;
}

export type ScriptedRedis = Redis & ScriptCommands;

/** Whether the process with this token holds the node's claim. */
const HOLDS_CLAIM = `
local function holds_claim(prefix, node, token)
  return redis.call('GET', prefix .. 'node:' .. node) == token
end
`;

/**
 * Takes a member out of a group, and out of its operators; an empty group
 * goes, with its name and its modes. Returns 1 if it was a member.
 */
const DROP_MEMBER = `
local function drop_member(prefix, group, name)
  local members = prefix .. 'group:' .. group
  local was = redis.call('SREM', members, name)
  redis.call('SREM', prefix .. 'group-ops:' .. group, name)
  if redis.call('SCARD', members) == 0 then
    redis.call('HDEL', prefix .. 'group-names', group)
    redis.call('SREM', prefix .. 'secret-groups', group)
  end
  return was
end
`;

/** Removes a user from the registry, groups included, and announces it (with its words on leaving, if any). */
const FORGET_USER = `${DROP_MEMBER}
local function forget_user(prefix, node, given, maxlen, origin, words)
  local lower = string.lower(given)
  -- As the registry shows it: a rename may have changed its letter case since the node asked.
  local name = redis.call('HGET', prefix .. 'shown', lower) or given
  redis.call('DEL', prefix .. 'name:' .. lower)
  redis.call('HDEL', prefix .. 'shown', lower)
  redis.call('HDEL', prefix .. 'profiles', lower)
  redis.call('ZREM', prefix .. 'logins', name)
  redis.call('SREM', prefix .. 'node-users:' .. node, name)
  local memberships = prefix .. 'user-groups:' .. lower
  local groups = redis.call('SMEMBERS', memberships)
  for _, group in ipairs(groups) do drop_member(prefix, group, name) end
  redis.call('DEL', memberships)
  -- Its groups (g), for its room-mates outside everyone: a JSON list (cjson writes an empty table as {}).
  local listed = #groups == 0 and '' or cjson.encode(groups)
  redis.call('XADD', prefix .. 'bus', 'MAXLEN', '~', maxlen, '*', 'o', origin, 'k', 'D', 't', name, 'l', words or '', 'g', listed)
end

local function forget_node_users(prefix, node, maxlen)
  local gone = {}
  for _, name in ipairs(redis.call('SMEMBERS', prefix .. 'node-users:' .. node)) do
    if redis.call('GET', prefix .. 'name:' .. string.lower(name)) == node then
      forget_user(prefix, node, name, maxlen, '')
      table.insert(gone, name)
    end
  end
  redis.call('DEL', prefix .. 'node-users:' .. node)
  return gone
end
`;

/** Notes when this Redis, as it is now, was first joined (see epoch). */
const MARK_EPOCH = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function mark_epoch(prefix)
  redis.call('SET', prefix .. 'epoch', now_ms(), 'NX')
end
`;

/**
 * The format of the cluster's running nodes (those holding a claim), as a
 * node joins or rejoins: where none runs, it is recorded as the joining
 * node's. ARGV: prefix, the joining node's format. Returns the format;
 * nil if nodes run that record none (of the versions before the record).
 * A running node always recorded its format before it claimed its id, so
 * a format missing while nodes run is theirs, not lost data.
 */
export const FORMAT = `
local prefix, format = ARGV[1], ARGV[2]
for _, node in ipairs(redis.call('SMEMBERS', prefix .. 'nodes')) do
  if redis.call('EXISTS', prefix .. 'node:' .. node) == 1 then return redis.call('GET', prefix .. 'format') end
end
redis.call('SET', prefix .. 'format', format)
return format
`;

/**
 * Claims a node's id for a process (at start, and when it rejoins): set if
 * free or held by this process already, with the lease as its expiry.
 * ARGV: prefix, node id, the process's token, lease in ms. Returns 0 if
 * claimed; else how many ms the holder's claim runs unless renewed.
 */
export const JOIN_NODE = `${MARK_EPOCH}
local prefix, node, token, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
mark_epoch(prefix)
local key = prefix .. 'node:' .. node
local holder = redis.call('GET', key)
if holder and holder ~= token then
  local left = redis.call('PTTL', key)
  if left < 1 then return tonumber(lease) end
  return left
end
redis.call('SET', key, token, 'PX', lease)
redis.call('SET', prefix .. 'process:' .. token, node, 'PX', lease)
redis.call('SADD', prefix .. 'nodes', node)
return 0
`;

/**
 * Renews a node's lease, if this process still holds its claim.
 * ARGV: prefix, node id, the process's token, lease in ms. Returns 1 if
 * renewed; 0 if the claim lapsed (not renewed for a lease: the others may
 * have taken the node out, so it must rejoin); -1 if another process holds
 * the id now.
 */
export const RENEW = `${HOLDS_CLAIM}${MARK_EPOCH}
local prefix, node, token, lease = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
mark_epoch(prefix)
local key = prefix .. 'node:' .. node
if holds_claim(prefix, node, token) then
  redis.call('PEXPIRE', key, lease)
  redis.call('SET', prefix .. 'process:' .. token, node, 'PX', lease)
  return 1
end
if redis.call('EXISTS', key) == 1 then return -1 end
return 0
`;

/**
 * A node leaving the cluster: its claim, its entry, and any name still its
 * own (freed and announced: a session moved to it while it stopped).
 * ARGV: prefix, node id, token, stream length. Returns 1 if it held the claim.
 */
export const LEAVE_NODE = `${HOLDS_CLAIM}${FORGET_USER}
local prefix, node, token, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if not holds_claim(prefix, node, token) then return 0 end
forget_node_users(prefix, node, maxlen)
redis.call('DEL', prefix .. 'node:' .. node, prefix .. 'node-users:' .. node, prefix .. 'process:' .. token)
redis.call('SREM', prefix .. 'nodes', node)
return 1
`;

/**
 * A process that has just claimed its node's id clears what a previous run
 * under that id left (it died, and its lease ran out, but nobody reaped it
 * yet): its users are gone, and announced. ARGV: prefix, node id, token,
 * stream length. Returns their names.
 */
export const CLEAR_PREVIOUS_RUN = `${HOLDS_CLAIM}${FORGET_USER}
local prefix, node, token, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if not holds_claim(prefix, node, token) then return {} end
return forget_node_users(prefix, node, maxlen)
`;

/**
 * Takes a node whose lease ran out out of the cluster with its users,
 * announcing each; returns their names. Only once (whichever node gets there
 * first). ARGV: prefix, node id, stream length.
 */
export const REAP = `${FORGET_USER}
local prefix, node, maxlen = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', prefix .. 'node:' .. node) == 1 then return {} end
if redis.call('SREM', prefix .. 'nodes', node) == 0 then return {} end
return forget_node_users(prefix, node, maxlen)
`;

/**
 * Claims a name for a node: exactly one of any number of concurrent claims
 * wins. ARGV: prefix, node id, token, name, mode, login sequence. Returns the
 * name's login sequence if claimed, 0 if held, -1 if this process does not
 * hold its node's claim. Mode "reclaim" (a node putting its users back after
 * losing Redis) also succeeds when this node holds the name already, and
 * keeps the sequence given (the login order).
 */
export const CLAIM = `${HOLDS_CLAIM}
local prefix, node, token, name, mode, seq = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if not holds_claim(prefix, node, token) then return -1 end
local key = prefix .. 'name:' .. string.lower(name)
local holder = redis.call('GET', key)
if holder and not (holder == node and mode == 'reclaim') then return 0 end
if mode ~= 'reclaim' or seq == 0 then seq = redis.call('INCR', prefix .. 'login-seq') end
redis.call('SET', key, node)
redis.call('HSET', prefix .. 'shown', string.lower(name), name)
redis.call('ZADD', prefix .. 'logins', seq, name)
redis.call('SADD', prefix .. 'node-users:' .. node, name)
return seq
`;

/**
 * Frees a name this node holds, and announces the departure (as from this
 * process, whose users were told already). ARGV: prefix, node id, token,
 * name, stream length, the user's words on leaving ("" for none). Returns 1
 * if freed, 0 if the node did not hold it, -1 if this process does not hold
 * its node's claim.
 */
export const RELEASE = `${HOLDS_CLAIM}${FORGET_USER}
local prefix, node, token, name, maxlen, words = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if not holds_claim(prefix, node, token) then return -1 end
if redis.call('GET', prefix .. 'name:' .. string.lower(name)) ~= node then return 0 end
forget_user(prefix, node, name, maxlen, token, words)
return 1
`;

/**
 * Gives a user of this node another name, in one step: the new name is
 * claimed (if nobody else holds it, case ignored: it may be the old one in
 * other letter cases), the old one freed, and everything under the old name
 * moves to the new one: the node's users, the login order (the old name's
 * place), the user's groups and its operator status in them, its profile. The rename is announced on the bus in the same
 * step, as an event for everyone (kind "B", the payload the event's JSON,
 * from this process, whose users are told by it), so that no name changes
 * without everyone being told: no departure is announced for the old name.
 * ARGV: prefix, node id, token, old name, new name, stream length, payload.
 * Returns the name's login sequence if renamed; 0 if another user holds the
 * new name (or this node does not hold the old one: a node that lost it
 * while away evicts its user as it rejoins); -1 if this process does not
 * hold its node's claim.
 */
export const RENAME = `${HOLDS_CLAIM}
local prefix, node, token, from, to, maxlen, payload = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if not holds_claim(prefix, node, token) then return -1 end
local old, new = string.lower(from), string.lower(to)
if redis.call('GET', prefix .. 'name:' .. old) ~= node then return 0 end
if new ~= old and redis.call('EXISTS', prefix .. 'name:' .. new) == 1 then return 0 end
local seq = tonumber(redis.call('ZSCORE', prefix .. 'logins', from)) or redis.call('INCR', prefix .. 'login-seq')
redis.call('DEL', prefix .. 'name:' .. old)
redis.call('SET', prefix .. 'name:' .. new, node)
redis.call('HDEL', prefix .. 'shown', old)
redis.call('HSET', prefix .. 'shown', new, to)
redis.call('ZREM', prefix .. 'logins', from)
redis.call('ZADD', prefix .. 'logins', seq, to)
redis.call('SREM', prefix .. 'node-users:' .. node, from)
redis.call('SADD', prefix .. 'node-users:' .. node, to)
local groups = redis.call('SMEMBERS', prefix .. 'user-groups:' .. old)
for _, group in ipairs(groups) do
  redis.call('SREM', prefix .. 'group:' .. group, from)
  redis.call('SADD', prefix .. 'group:' .. group, to)
  local ops = prefix .. 'group-ops:' .. group
  if redis.call('SREM', ops, from) == 1 then redis.call('SADD', ops, to) end
end
if new ~= old and #groups > 0 then redis.call('RENAME', prefix .. 'user-groups:' .. old, prefix .. 'user-groups:' .. new) end
local profile = redis.call('HGET', prefix .. 'profiles', old)
if profile then
  redis.call('HDEL', prefix .. 'profiles', old)
  redis.call('HSET', prefix .. 'profiles', new, profile)
end
redis.call('XADD', prefix .. 'bus', 'MAXLEN', '~', maxlen, '*', 'o', token, 'k', 'B', 't', '', 'l', payload)
return seq
`;

/**
 * Adds a member to a group; the member that makes it (its first) is its
 * operator. ARGV: prefix, group key, group name, member. Returns 1 if added.
 */
export const JOIN_GROUP = `
local prefix, group, shown, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local members = prefix .. 'group:' .. group
if redis.call('SADD', members, name) == 0 then return 0 end
if redis.call('SCARD', members) == 1 then redis.call('SADD', prefix .. 'group-ops:' .. group, name) end
redis.call('HSETNX', prefix .. 'group-names', group, shown)
redis.call('SADD', prefix .. 'user-groups:' .. string.lower(name), group)
return 1
`;

/** Takes a member out of a group, and out of its operators. ARGV: prefix, group key, member. Returns 1 if it was in. */
export const LEAVE_GROUP = `${DROP_MEMBER}
local prefix, group, name = ARGV[1], ARGV[2], ARGV[3]
if drop_member(prefix, group, name) == 0 then return 0 end
redis.call('SREM', prefix .. 'user-groups:' .. string.lower(name), group)
return 1
`;

/**
 * Changes a group's modes on behalf of `by`, if it is one of the group's
 * operators, checked in the same step. ARGV: prefix, group key, by (as the
 * registry shows it), mode ("operator" or "secret"), "1" to set it or "0"
 * to unset it, the user to make an operator or not (any letter case).
 * Returns {status, user}: status 1 if changed, 0 if it was so already, -1
 * if `by` is not an operator (or the group has no members), -2 if the user
 * is not a member; user as the registry shows it ("" for "secret").
 */
export const CHANGE_MODE = `
local prefix, group, by, mode, on, user = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1', ARGV[6]
local ops = prefix .. 'group-ops:' .. group
if redis.call('SISMEMBER', ops, by) == 0 then return {-1, ''} end
local set, member, name = ops, nil, ''
if mode == 'secret' then
  set, member = prefix .. 'secret-groups', group
else
  name = redis.call('HGET', prefix .. 'shown', string.lower(user))
  if not name or redis.call('SISMEMBER', prefix .. 'group:' .. group, name) == 0 then return {-2, ''} end
  member = name
end
if on then return {redis.call('SADD', set, member), name} end
return {redis.call('SREM', set, member), name}
`;

/**
 * Moves a name this node holds to another node (a session resumed there),
 * and tells that node so on the bus, in one step: the entry (kind "A",
 * addressed to the requesting process `target`) is where the session moves
 * in the order of events. ARGV: prefix, node id, token, name, the node it
 * moves to, stream length, target, payload. Returns 1 if moved; 2 if that
 * node is gone (stopped, or taken out) while its request waited: nothing
 * moves, so that no name is left to a node nobody will reap; 0 if this
 * node did not hold the name; -1 if this process does not hold its node's
 * claim.
 */
export const HAND_OVER = `${HOLDS_CLAIM}
local prefix, node, token, name, to, maxlen, target, payload = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
if not holds_claim(prefix, node, token) then return -1 end
local key = prefix .. 'name:' .. string.lower(name)
if redis.call('GET', key) ~= node then return 0 end
if redis.call('EXISTS', prefix .. 'node:' .. to) == 0 then return 2 end
redis.call('SET', key, to)
redis.call('SREM', prefix .. 'node-users:' .. node, name)
redis.call('SADD', prefix .. 'node-users:' .. to, name)
redis.call('XADD', prefix .. 'bus', 'MAXLEN', '~', maxlen, '*', 'o', token, 'k', 'A', 't', target, 'l', payload)
return 1
`;

/**
 * Whether the process with this token is alive: 1 if it is (its key is
 * there), 0 if it is surely not (no key, in a Redis that has kept its data
 * for longer than `span` ms, in which a live process would have renewed
 * it), -1 if that cannot be told (a Redis that lost its data not long ago).
 * ARGV: prefix, token, span in ms.
 */
export const PROCESS_ALIVE = `${MARK_EPOCH}
local prefix, token, span = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('EXISTS', prefix .. 'process:' .. token) == 1 then return 1 end
local epoch = redis.call('GET', prefix .. 'epoch')
if epoch and now_ms() - tonumber(epoch) > span then return 0 end
return -1
`;

const SCRIPTS: Record<keyof ScriptCommands, string> = {
  chatFormat: FORMAT,
  chatJoinNode: JOIN_NODE,
  chatRenew: RENEW,
  chatLeaveNode: LEAVE_NODE,
  chatClearPreviousRun: CLEAR_PREVIOUS_RUN,
  chatReap: REAP,
  chatClaim: CLAIM,
  chatRelease: RELEASE,
  chatRename: RENAME,
  chatJoinGroup: JOIN_GROUP,
  chatLeaveGroup: LEAVE_GROUP,
  chatChangeMode: CHANGE_MODE,
  chatHandOver: HAND_OVER,
  chatProcessAlive: PROCESS_ALIVE,
};

/** Defines every script on a connection, as a command run by its SHA. */
export function withScripts(redis: Redis): ScriptedRedis {
  for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua });
  return redis as ScriptedRedis;
}

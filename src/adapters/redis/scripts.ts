/**
 * The cluster's registry in Redis, changed only by these scripts so that
 * every change is atomic (Redis runs a script alone). Keys, under a prefix:
 *
 *   bus                  the stream every node reads (see redis-cluster.ts)
 *   node:<id>            a node's lease: present while it beats
 *   nodes                set of the node ids in the cluster
 *   node-users:<id>      set of the names logged in at that node
 *   name:<lower>         the node holding a username
 *   logins               sorted set of names, by login sequence (WHO)
 *   login-seq            that sequence
 *   user-groups:<lower>  set of the groups a user is in
 *   group:<key>          set of a group's members
 *   group-names          hash: group key -> name as shown
 *
 * One Redis, not Redis Cluster: the scripts touch keys they compute.
 *
 * A departure is written to the bus in the same script that frees the name
 * (an entry of kind "D" naming the user and the node it was on), so that a
 * name is never freed without everyone being told, even if the node that
 * frees it dies right after.
 */

/** Removes a user from the registry, groups included, and announces it. */
const FORGET_USER = `
local function forget_user(prefix, node, name, maxlen)
  local lower = string.lower(name)
  redis.call('DEL', prefix .. 'name:' .. lower)
  redis.call('ZREM', prefix .. 'logins', name)
  redis.call('SREM', prefix .. 'node-users:' .. node, name)
  local memberships = prefix .. 'user-groups:' .. lower
  for _, group in ipairs(redis.call('SMEMBERS', memberships)) do
    local members = prefix .. 'group:' .. group
    redis.call('SREM', members, name)
    if redis.call('SCARD', members) == 0 then redis.call('HDEL', prefix .. 'group-names', group) end
  end
  redis.call('DEL', memberships)
  redis.call('XADD', prefix .. 'bus', 'MAXLEN', '~', maxlen, '*', 'o', node, 'k', 'D', 't', name, 'l', '')
end
`;

/**
 * Claims a name for a node: exactly one of any number of concurrent claims
 * wins. ARGV: prefix, node id, name, mode, login sequence. Returns the
 * name's login sequence if claimed, 0 if held. Mode "reclaim" (a node
 * putting its users back after losing Redis) also succeeds when this node
 * holds the name already, and keeps the sequence given (the login order).
 */
export const CLAIM = `
local prefix, node, name, mode, seq = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local key = prefix .. 'name:' .. string.lower(name)
local holder = redis.call('GET', key)
if holder and not (holder == node and mode == 'reclaim') then return 0 end
if mode ~= 'reclaim' or seq == 0 then seq = redis.call('INCR', prefix .. 'login-seq') end
redis.call('SET', key, node)
redis.call('ZADD', prefix .. 'logins', seq, name)
redis.call('SADD', prefix .. 'node-users:' .. node, name)
return seq
`;

/** Frees a name this node holds, and announces the departure. ARGV: prefix, node id, name, stream length. */
export const RELEASE = `${FORGET_USER}
local prefix, node, name, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('GET', prefix .. 'name:' .. string.lower(name)) ~= node then return 0 end
forget_user(prefix, node, name, maxlen)
return 1
`;

/**
 * Takes a node out of the cluster with its users, announcing each; returns
 * their names. Unless forced, only a node whose lease ran out, and only
 * once (whichever node gets there first). Forced: a node starting again
 * under the same id clears what its previous run left.
 * ARGV: prefix, node id, stream length, "force" or "expired".
 */
export const REAP = `${FORGET_USER}
local prefix, node, maxlen, force = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == 'force'
if not force then
  if redis.call('EXISTS', prefix .. 'node:' .. node) == 1 then return {} end
  if redis.call('SREM', prefix .. 'nodes', node) == 0 then return {} end
else
  redis.call('SREM', prefix .. 'nodes', node)
  redis.call('DEL', prefix .. 'node:' .. node)
end
local gone = {}
for _, name in ipairs(redis.call('SMEMBERS', prefix .. 'node-users:' .. node)) do
  if redis.call('GET', prefix .. 'name:' .. string.lower(name)) == node then
    forget_user(prefix, node, name, maxlen)
    table.insert(gone, name)
  end
end
redis.call('DEL', prefix .. 'node-users:' .. node)
return gone
`;

/**
 * Renews a node's lease, unless the node was taken out of the cluster
 * (reaped while it could not beat: paused, cut off); then it must rejoin.
 * ARGV: prefix, node id, lease in ms. Returns 1 if renewed.
 */
export const RENEW = `
local prefix, node, lease = ARGV[1], ARGV[2], ARGV[3]
if redis.call('SISMEMBER', prefix .. 'nodes', node) == 0 then return 0 end
redis.call('SET', prefix .. 'node:' .. node, '1', 'PX', lease)
return 1
`;

/** Adds a member to a group. ARGV: prefix, group key, group name, member. Returns 1 if added. */
export const JOIN_GROUP = `
local prefix, group, shown, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('SADD', prefix .. 'group:' .. group, name) == 0 then return 0 end
redis.call('HSETNX', prefix .. 'group-names', group, shown)
redis.call('SADD', prefix .. 'user-groups:' .. string.lower(name), group)
return 1
`;

/** Takes a member out of a group. ARGV: prefix, group key, member. Returns 1 if it was in. */
export const LEAVE_GROUP = `
local prefix, group, name = ARGV[1], ARGV[2], ARGV[3]
local members = prefix .. 'group:' .. group
if redis.call('SREM', members, name) == 0 then return 0 end
if redis.call('SCARD', members) == 0 then redis.call('HDEL', prefix .. 'group-names', group) end
redis.call('SREM', prefix .. 'user-groups:' .. string.lower(name), group)
return 1
`;

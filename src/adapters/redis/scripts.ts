/**
 * The cluster's registry in Redis, changed only by these scripts so that
 * every change is atomic (Redis runs a script alone). Keys, under a prefix:
 *
 *   node:<id>            a node's lease: present while it beats
 *   nodes                set of node ids
 *   node-users:<id>      set of the names logged in at that node
 *   name:<lower>         the node holding a username
 *   logins               sorted set of names, by a login sequence (WHO)
 *   login-seq            that sequence
 *   user-groups:<lower>  set of the groups a user is in
 *   group:<key>          set of a group's members
 *   group-names          hash: group key -> name as shown
 *
 * One Redis, not Redis Cluster: the scripts touch keys they compute.
 */

/** Removes a user from the registry, groups included. Needs `prefix` and the globals below. */
const FORGET_USER = `
local function forget_user(prefix, name)
  local lower = string.lower(name)
  redis.call('DEL', prefix .. 'name:' .. lower)
  redis.call('ZREM', prefix .. 'logins', name)
  local memberships = prefix .. 'user-groups:' .. lower
  for _, group in ipairs(redis.call('SMEMBERS', memberships)) do
    local members = prefix .. 'group:' .. group
    redis.call('SREM', members, name)
    if redis.call('SCARD', members) == 0 then redis.call('HDEL', prefix .. 'group-names', group) end
  end
  redis.call('DEL', memberships)
end
`;

/**
 * Claims a name for a node: exactly one of any number of concurrent claims
 * wins. ARGV: prefix, node id, name, mode. Returns 1 if claimed, 0 if held.
 * Mode "reclaim" (a node putting its users back after losing Redis) also
 * succeeds when this node holds the name already.
 */
export const CLAIM = `
local prefix, node, name, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = prefix .. 'name:' .. string.lower(name)
local holder = redis.call('GET', key)
if holder == node and mode == 'reclaim' then
  redis.call('SADD', prefix .. 'node-users:' .. node, name)
  return 1
end
if holder then return 0 end
redis.call('SET', key, node)
redis.call('ZADD', prefix .. 'logins', redis.call('INCR', prefix .. 'login-seq'), name)
redis.call('SADD', prefix .. 'node-users:' .. node, name)
return 1
`;

/** Frees a name if this node holds it. ARGV: prefix, node id, name. */
export const RELEASE = `${FORGET_USER}
local prefix, node, name = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', prefix .. 'name:' .. string.lower(name)) ~= node then return 0 end
forget_user(prefix, name)
redis.call('SREM', prefix .. 'node-users:' .. node, name)
return 1
`;

/**
 * Takes a node whose lease ran out out of the cluster, with its users;
 * returns their names (to be announced), or nothing if the node is alive or
 * another node reaped it first. ARGV: prefix, node id.
 */
export const REAP = `${FORGET_USER}
local prefix, node = ARGV[1], ARGV[2]
if redis.call('EXISTS', prefix .. 'node:' .. node) == 1 then return {} end
if redis.call('SREM', prefix .. 'nodes', node) == 0 then return {} end
local users = prefix .. 'node-users:' .. node
local names = redis.call('SMEMBERS', users)
local gone = {}
for _, name in ipairs(names) do
  if redis.call('GET', prefix .. 'name:' .. string.lower(name)) == node then
    forget_user(prefix, name)
    table.insert(gone, name)
  end
end
redis.call('DEL', users)
return gone
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

/**
 * The Lua the Redis store runs. Every stamp that must be exact (marks, tombstones, a
 * refresh's start) is issued here by `issue()`: the TIME of the node holding the alias's
 * marks in µs, kept strictly above every stamp issued before through the alias's `clock`
 * key. No process's estimate of that clock, and no local timer, decides whether an
 * invalidation takes effect. Stamps are decimal strings: Lua numbers are doubles, exact up
 * to 2^53 (year 2255 in µs), and are printed with `%.0f`, never as `1.7e+15`.
 *
 * What survives eviction (`allkeys-lru`, `volatile-*`...): a mark that is missing or
 * unreadable voids every entry checked against it (reads return nil), and is re-created
 * by the next write; a write whose computation began before something was issued on the
 * alias (an invalidation, a delete, a refresh) is refused when one of its marks, or the
 * tombstone of its key, may have been lost meanwhile.
 */
export const LIB = `
local function fmt(n) return string.format('%.0f', n) end
local function num(key) return tonumber(redis.call('GET', key) or '') end
local function issue(clock)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local last = num(clock)
  if last and last >= now then now = last + 1 end
  redis.call('SET', clock, fmt(now))
  return now
end
-- Whether anything was issued on the alias since 'created' (a missing clock may have been evicted: yes).
local function issuedSince(clock, created)
  local last = num(clock)
  return (not last) or last >= created
end
-- The stamp a lost mark or tombstone is re-created with when something was issued since
-- 'created': the clock's last stamp (whatever was lost was issued no later), or now when the
-- clock itself is gone.
local function lostAt(clock)
  return num(clock) or issue(clock)
end
-- Checks the marks KEYS[first..] of an entry stamped 'created' that lives 'life' ms, and keeps
-- each at least that long. A missing or unreadable mark is re-created: just below 'created'
-- when nothing was issued since (so older entries stay void), else at the clock's last stamp
-- (an invalidation may have been lost: every entry stamped before it, this one included, is void).
local function marksAllow(first, clock, created, life)
  local ok = true
  for i = first, #KEYS do
    local v = num(KEYS[i])
    if not v then
      if issuedSince(clock, created) then
        redis.call('SET', KEYS[i], fmt(lostAt(clock)), 'PX', life)
        ok = false
      else
        redis.call('SET', KEYS[i], fmt(created - 1), 'PX', life)
      end
    else
      if v >= created then ok = false end
      if redis.call('PTTL', KEYS[i]) < life then redis.call('PEXPIRE', KEYS[i], life) end
    end
  end
  return ok
end
-- The stamp of the last delete: an absent key may hide an evicted tombstone issued after it.
local function deletedFloor(clock, deleted, created)
  local d = num(deleted)
  if d then return d end
  if issuedSince(clock, created) then d = lostAt(clock) else d = created - 1 end
  redis.call('SET', deleted, fmt(d))
  return d
end
-- Whether an entry stamped 'created' may replace what KEYS[1] holds: not a later entry, tombstone
-- or pending entry (a Cluster store under way).
-- A stamp more than an hour ahead of this node's clock was never issued: the entry is damaged.
local function entryAllows(created, deleted)
  local head = redis.call('GETRANGE', KEYS[1], 0, 40)
  local c = tonumber(string.match(head, '^cm1[bp]|(%d+)|') or '')
  if c then
    local t = redis.call('TIME')
    if c > (tonumber(t[1]) + 3600) * 1000000 then return true end
    return c < created
  end
  if head ~= '' then return true end
  return deleted ~= nil and deleted < created
end
`;

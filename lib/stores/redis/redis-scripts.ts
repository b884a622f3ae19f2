import type { Cluster, Redis } from 'ioredis';

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
const LIB = `
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

const scripts = {
  /**
   * Standalone Redis only: a tagged hit in one round trip. KEYS[1] is the entry, the other
   * KEYS its alias and prefix marks; ARGV[1] is what a tag's mark key starts with (tag
   * marks are only known once the entry is read, so they are not declared). Returns the
   * entry, or nil when it is missing or a mark (missing, unreadable, or at or after the
   * entry's stamp) voids it.
   */
  cacheMemoizeRead: {
    lua: `
local v = redis.call('GET', KEYS[1])
if not v then return nil end
local c, tags = string.match(v, '^cm1b|(%d+)|([^\\n]*)\\n')
if not c then return v end
local marks = {}
for i = 2, #KEYS do marks[i - 1] = KEYS[i] end
if tags ~= '' then
  local ok, list = pcall(cjson.decode, tags)
  if not ok or type(list) ~= 'table' then return nil end
  for _, tag in ipairs(list) do marks[#marks + 1] = ARGV[1] .. tostring(tag) end
end
if #marks > 0 then
  c = tonumber(c)
  for _, m in ipairs(redis.call('MGET', unpack(marks))) do
    local s = tonumber(m or '')
    if not s or s >= c then return nil end
  end
end
return v`,
  },
  /**
   * Standalone Redis: stores entry KEYS[1] (ARGV[2], stamped ARGV[1]) for ARGV[3] ms unless
   * a mark in KEYS[4..] voids it or KEYS[1] holds a later entry or tombstone; KEYS[2] is the
   * alias's clock, KEYS[3] the stamp of its last delete. 1 when stored, 0 when refused.
   */
  cacheMemoizeStore: {
    lua: `${LIB}
local created, life = tonumber(ARGV[1]), tonumber(ARGV[3])
local ok = marksAllow(4, KEYS[2], created, life)
if ok then ok = entryAllows(created, deletedFloor(KEYS[2], KEYS[3], created)) end
if not ok then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', life)
return 1`,
  },
  /**
   * Cluster, on the entry's node, first of a store's three steps (see RedisMemoStore.set):
   * writes the entry as pending (ARGV created, the entry with a `cm1p` header, life ms), which
   * reads as a miss, unless KEYS[1] holds a later entry, tombstone or pending entry. 1 when it
   * held an older entry or tombstone; 2 when it held nothing, or what proves nothing (another
   * store's pending entry, a foreign value): a tombstone may have been evicted from it, so the
   * last delete must be checked. 0 when refused.
   */
  cacheMemoizeWritePending: {
    numberOfKeys: 1,
    lua: `${LIB}
local head = redis.call('GETRANGE', KEYS[1], 0, 40)
if head ~= '' and not entryAllows(tonumber(ARGV[1]), nil) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if string.sub(head, 1, 5) == 'cm1b|' then return 1 end
return 2`,
  },
  /**
   * Cluster, on the marks' node, second step: the marks half of cacheMemoizeStore (KEYS[1]
   * clock, KEYS[2] last delete, KEYS[3..] marks; ARGV created, life). The last delete's stamp,
   * or '' when refused.
   */
  cacheMemoizeAllow: {
    lua: `${LIB}
local created, life = tonumber(ARGV[1]), tonumber(ARGV[2])
if not marksAllow(3, KEYS[1], created, life) then return '' end
return fmt(deletedFloor(KEYS[1], KEYS[2], created))`,
  },
  /**
   * Cluster, on the entry's node, last step: makes the pending entry whose header starts with
   * ARGV[1] (`cm1p|<created>|`) readable, keeping its expiry, if it is still there. A delete
   * since the first step replaced it with a tombstone, and even if that tombstone was evicted
   * since, the pending entry is gone: 0, nothing stored.
   */
  cacheMemoizeCommit: {
    numberOfKeys: 1,
    lua: `
if redis.call('GETRANGE', KEYS[1], 0, #ARGV[1] - 1) ~= ARGV[1] then return 0 end
redis.call('SETRANGE', KEYS[1], 3, 'b')
return 1`,
  },
  /** Cluster, on the entry's node: removes the pending entry whose header starts with ARGV[1], if still there (a refused store). */
  cacheMemoizeDropPending: {
    numberOfKeys: 1,
    lua: `
if redis.call('GETRANGE', KEYS[1], 0, #ARGV[1] - 1) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`,
  },
  /**
   * Standalone Redis: replaces entry KEYS[1] by a tombstone for ARGV[1] ms, stamped now
   * (KEYS[2] clock, KEYS[3] last delete), whatever it held. Returns the stamp.
   */
  cacheMemoizeDelete: {
    numberOfKeys: 3,
    lua: `${LIB}
local s = fmt(issue(KEYS[2]))
redis.call('SET', KEYS[3], s)
redis.call('SET', KEYS[1], 'cm1b|' .. s .. '|\\n', 'PX', ARGV[1])
return s`,
  },
  /** Cluster, on the marks' node: the stamp of a delete (KEYS[1] clock, KEYS[2] last delete). */
  cacheMemoizeIssueDelete: {
    numberOfKeys: 2,
    lua: `${LIB}
local s = fmt(issue(KEYS[1]))
redis.call('SET', KEYS[2], s)
return s`,
  },
  /**
   * A stamp issued now (KEYS[1] clock): the start of a refresh. KEYS[2], the last delete's
   * stamp, is raised to just below it, so once the refreshed entry has expired or been
   * evicted, a result computed before the refresh still cannot land on the empty key (see
   * entryAllows), while the refresh's own result, stamped with it, can.
   */
  cacheMemoizeIssue: {
    numberOfKeys: 2,
    lua: `${LIB}
local s = issue(KEYS[1])
redis.call('SET', KEYS[2], fmt(s - 1))
return fmt(s)`,
  },
  /**
   * Sets every existing mark in KEYS[2..] (one slot) to a stamp issued now (KEYS[1] clock),
   * keeping its expiry (that of the longest-lived entry it may void). A missing mark is not
   * created: no stored entry can depend on it, and a computation running now sees the clock
   * move when it stores (see marksAllow). Repairs an unreadable mark. Returns the stamp.
   * With ARGV (a two-tier alias): then publishes ARGV[3] .. stamp .. ARGV[4] on channel
   * ARGV[2] (one slot with the marks) with ARGV[1], PUBLISH or SPUBLISH.
   */
  cacheMemoizeMark: {
    lua: `${LIB}
local s = fmt(issue(KEYS[1]))
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('SET', KEYS[i], s, 'KEEPTTL') end
end
if ARGV[1] then redis.call(ARGV[1], ARGV[2], ARGV[3] .. s .. ARGV[4]) end
return s`,
  },
  /** Extends the lock KEYS[1] by ARGV[2] ms if ARGV[1], its holder's token, still holds it. */
  cacheMemoizeLockExtend: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`,
  },
  /** Deletes the lock KEYS[1] if ARGV[1], its holder's token, still holds it: never another's. */
  cacheMemoizeLockRelease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
  },
  /**
   * TIME of the node that holds KEYS[1] (the alias's clock), so a Cluster always reads the
   * marks' clock. A missing clock is set to now, never back: it may have been evicted along
   * with what it issued (a delete whose tombstone and last-delete stamp went too), so every
   * computation stamped before now counts as overtaken (see marksAllow, deletedFloor) and is
   * not stored: one recompute. Set a minute back, as it once was for a new alias, it let such a
   * computation store what the delete had voided (redis-eviction.spec.ts). A new alias loses
   * next to nothing: a process stamps computations only after its first reading of the clock.
   */
  cacheMemoizeTime: {
    numberOfKeys: 1,
    lua: `${LIB}
local t = redis.call('TIME')
if not num(KEYS[1]) then redis.call('SET', KEYS[1], fmt(tonumber(t[1]) * 1000000 + tonumber(t[2]))) end
return t`,
  },
};

type Arg = string | number | Buffer;

/** The client with the scripts above defined on it. */
export interface ScriptedRedis {
  cacheMemoizeReadBuffer(numberOfKeys: number, ...keysThenArgs: string[]): Promise<Buffer | null>;
  cacheMemoizeStore(numberOfKeys: number, ...keysThenArgs: Arg[]): Promise<number>;
  cacheMemoizeAllow(numberOfKeys: number, ...keysThenArgs: Arg[]): Promise<string>;
  cacheMemoizeWritePending(key: string, created: string, entry: Buffer, ttlMs: number): Promise<number>;
  cacheMemoizeCommit(key: string, pendingHeader: string): Promise<number>;
  cacheMemoizeDropPending(key: string, pendingHeader: string): Promise<number>;
  cacheMemoizeDelete(key: string, clock: string, deleted: string, ttlMs: number): Promise<string>;
  cacheMemoizeIssueDelete(clock: string, deleted: string): Promise<string>;
  cacheMemoizeIssue(clock: string, deleted: string): Promise<string>;
  cacheMemoizeMark(numberOfKeys: number, ...keysThenArgs: string[]): Promise<string>;
  cacheMemoizeTime(clockKey: string): Promise<[string, string]>;
  cacheMemoizeLockExtend(lockKey: string, token: string, ttlMs: number): Promise<number>;
  cacheMemoizeLockRelease(lockKey: string, token: string): Promise<number>;
}

/** Defines the scripts on `client` (ioredis sends EVALSHA, and the source once on NOSCRIPT). */
export function defineScripts(client: Redis | Cluster): ScriptedRedis {
  for (const [name, definition] of Object.entries(scripts)) client.defineCommand(name, definition);
  return client as unknown as ScriptedRedis;
}

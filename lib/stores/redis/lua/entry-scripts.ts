import { LIB } from './library.js';

/** The scripts that read and store entries: on a single Redis in one step, on a Cluster in three. */
export const entryScripts = {
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
   * Cluster, on the entry's node, first of a store's three steps (see cluster-store.ts):
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
};

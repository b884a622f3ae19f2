import { LIB } from './library.js';

/** The scripts that issue stamps on the alias's clock: deletes, refreshes, invalidations, and the clock's own reading. */
export const stampScripts = {
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

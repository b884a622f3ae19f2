import type { Cluster, Redis } from 'ioredis';

/**
 * The Lua the Redis store runs. Stamps are microseconds of the marks' Redis clock, kept
 * as decimal strings: Lua numbers are doubles, exact up to 2^53 (year 2255 in µs), but
 * Lua prints them as `1.7e+15`, so a stamp is never turned back into a string here.
 */
const scripts = {
  /**
   * Standalone Redis only: a tagged hit in one round trip. KEYS[1] is the entry, the other
   * KEYS its alias and prefix marks; ARGV[1] is what a tag's mark key starts with (tag
   * marks are only known once the entry is read, so they are not declared). Returns the
   * entry, or nil when it is missing or a mark voids it.
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
  for _, tag in ipairs(cjson.decode(tags)) do marks[#marks + 1] = ARGV[1] .. tag end
end
if #marks > 0 then
  c = tonumber(c)
  for _, m in ipairs(redis.call('MGET', unpack(marks))) do
    if m and tonumber(m) >= c then return nil end
  end
end
return v`,
  },
  /**
   * Stores an entry for ARGV[3] ms, unless the entry already there was computed later
   * (ARGV[1] is the new one's stamp): a slow recompute never replaces a newer result.
   */
  cacheMemoizeWrite: {
    numberOfKeys: 1,
    lua: `
local c = string.match(redis.call('GETRANGE', KEYS[1], 0, 40), '^cm1b|(%d+)|')
if c and tonumber(c) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`,
  },
  /**
   * Sets every mark in KEYS (one slot) to this server's present time in µs, never lowering
   * one, and keeps each at least ARGV[1] ms so it outlives the entries it voids.
   */
  cacheMemoizeMark: {
    lua: `
local t = redis.call('TIME')
local now = t[1] .. string.format('%06d', tonumber(t[2]))
for _, key in ipairs(KEYS) do
  local cur = redis.call('GET', key)
  local value = now
  if cur and tonumber(cur) > tonumber(now) then value = cur end
  local life = tonumber(ARGV[1])
  local left = redis.call('PTTL', key)
  if left > life then life = left end
  redis.call('SET', key, value, 'PX', life)
end
return now`,
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
  /** TIME of the node that holds KEYS[1], so a Cluster always reads the marks' clock. */
  cacheMemoizeTime: {
    numberOfKeys: 1,
    lua: `return redis.call('TIME')`,
  },
};

/** The client with the scripts above defined on it. */
export interface ScriptedRedis {
  cacheMemoizeReadBuffer(numberOfKeys: number, ...keysThenArgs: string[]): Promise<Buffer | null>;
  cacheMemoizeWrite(key: string, created: string, entry: Buffer, ttlMs: number): Promise<number>;
  cacheMemoizeMark(numberOfKeys: number, ...keysThenLife: Array<string | number>): Promise<string>;
  cacheMemoizeTime(clockKey: string): Promise<[string, string]>;
  cacheMemoizeLockExtend(lockKey: string, token: string, ttlMs: number): Promise<number>;
  cacheMemoizeLockRelease(lockKey: string, token: string): Promise<number>;
}

/** Defines the scripts on `client` (ioredis sends EVALSHA, and the source once on NOSCRIPT). */
export function defineScripts(client: Redis | Cluster): ScriptedRedis {
  for (const [name, definition] of Object.entries(scripts)) client.defineCommand(name, definition);
  return client as unknown as ScriptedRedis;
}

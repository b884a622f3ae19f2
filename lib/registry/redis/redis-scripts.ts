import type { Cluster, Redis } from 'ioredis';

/**
 * The Lua the Redis store runs. Stamps are microseconds of the marks' Redis clock, kept
 * as decimal strings: Lua numbers are doubles, exact up to 2^53 (year 2255 in µs), but
 * Lua prints them as `1.7e+15`, so a stamp is never turned back into a string here.
 */
const scripts = {
  /**
   * Standalone Redis only: the whole hit in one round trip. KEYS[1] is the entry, the
   * other KEYS its alias and prefix marks; ARGV[1] is what a tag's mark key starts with
   * (tag marks are only known once the entry is read, so they are not declared).
   * Returns the payload, or nil when the entry is missing or a mark voids it.
   */
  cacheMemoizeRead: {
    lua: `
local e = redis.call('HMGET', KEYS[1], 'c', 't', 'v')
if not e[3] then return nil end
local c = tonumber(e[1])
if #KEYS > 1 then
  for _, m in ipairs(redis.call('MGET', unpack(KEYS, 2))) do
    if m and tonumber(m) >= c then return nil end
  end
end
if e[2] and e[2] ~= '' then
  for _, tag in ipairs(cjson.decode(e[2])) do
    local m = redis.call('GET', ARGV[1] .. tag)
    if m and tonumber(m) >= c then return nil end
  end
end
return e[3]`,
  },
  /**
   * Stores an entry (created stamp, tags as JSON, payload) for ARGV[4] ms, unless the
   * entry already there was computed later: a slow recompute never replaces a newer one.
   */
  cacheMemoizeWrite: {
    numberOfKeys: 1,
    lua: `
local c = redis.call('HGET', KEYS[1], 'c')
if c and tonumber(c) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'c', ARGV[1], 't', ARGV[2], 'v', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
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
  /** TIME of the node that holds KEYS[1], so a Cluster always reads the marks' clock. */
  cacheMemoizeTime: {
    numberOfKeys: 1,
    lua: `return redis.call('TIME')`,
  },
};

/** The client with the scripts above defined on it. */
export interface ScriptedRedis {
  cacheMemoizeReadBuffer(numberOfKeys: number, ...keysThenArgs: string[]): Promise<Buffer | null>;
  cacheMemoizeWrite(key: string, created: string, tags: string, payload: Buffer, ttlMs: number): Promise<number>;
  cacheMemoizeMark(numberOfKeys: number, ...keysThenLife: Array<string | number>): Promise<string>;
  cacheMemoizeTime(clockKey: string): Promise<[string, string]>;
}

/** Defines the scripts on `client` (ioredis sends EVALSHA, and the source once on NOSCRIPT). */
export function defineScripts(client: Redis | Cluster): ScriptedRedis {
  for (const [name, definition] of Object.entries(scripts)) client.defineCommand(name, definition);
  return client as unknown as ScriptedRedis;
}

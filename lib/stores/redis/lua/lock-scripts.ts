/** The scripts of the distributed lock (see redis-lock.ts): each checks the holder's token first. */
export const lockScripts = {
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
};

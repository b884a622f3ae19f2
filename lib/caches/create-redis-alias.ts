import type { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type { RedisCacheDefinition } from '../interfaces/module-options.interface.js';
import { assertKnownOptions, LOCK_OPTION_NAMES } from '../interfaces/option-names.js';
import { parseOptionalDuration } from '../utils/duration.js';
import { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import type { CacheAlias } from './cache-alias.js';
import { createRedisCache } from '../stores/redis/redis-cache.js';
import { connectRedis } from '../stores/redis/redis-client.factory.js';
import { DEFAULT_LOCK_TTL_MS, DEFAULT_LOCK_WAIT_MS } from '../cache-memoize.constants.js';
import { RedisLocks } from '../stores/redis/redis-lock.js';
import { RedisMemoStore } from '../stores/redis/redis.store.js';

/**
 * A `{ store: 'redis' }` alias: one client (opened here, or the one given), shared by the
 * memoizer's store, its distributed locks and the cache-manager `Cache` users get from
 * `CacheRegistry`.
 */
export function createRedisAlias(
  name: string,
  definition: RedisCacheDefinition,
  settings: CacheMemoizeSettings,
  ttlMs: number | undefined,
): CacheAlias {
  const lock = definition.lock ?? {};
  if (typeof lock !== 'object' || lock === null) throw new CacheConfigError(Messages.invalidLockOption(name));
  assertKnownOptions(lock, LOCK_OPTION_NAMES, `Cache alias '${name}' (lock)`);
  const lockTtlMs = parseOptionalDuration(lock.ttl, `cache alias '${name}' (lock.ttl)`) ?? DEFAULT_LOCK_TTL_MS;
  const lockWaitMs = parseOptionalDuration(lock.wait, `cache alias '${name}' (lock.wait)`) ?? DEFAULT_LOCK_WAIT_MS;
  const connection = connectRedis(name, definition);
  const { namespace, storeTimeoutMs } = settings;
  const locks = new RedisLocks(connection.client, namespace, lockTtlMs, lockWaitMs, storeTimeoutMs);
  const store = new RedisMemoStore(name, connection, namespace, storeTimeoutMs, new RateLimitedLogger(), locks);
  const cache = createRedisCache(name, connection.client, namespace, ttlMs);
  return { name, kind: 'redis', cache, store, ttlMs, clone: false };
}

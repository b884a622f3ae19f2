import type { CacheMemoizeSettings } from '../../cache-memoize.settings.js';
import type { RedisCacheDefinition } from '../../interfaces/module-options.interface.js';
import { RateLimitedLogger } from '../../utils/rate-limited-logger.js';
import type { CacheAlias } from '../cache-alias.js';
import { createRedisCache } from './redis-cache.js';
import { connectRedis } from './redis-client.factory.js';
import { RedisMemoStore } from './redis.store.js';

/**
 * A `{ store: 'redis' }` alias: one client (opened here, or the one given), shared by the
 * memoizer's store and by the cache-manager `Cache` users get from `CacheRegistry`.
 */
export function createRedisAlias(
  name: string,
  definition: RedisCacheDefinition,
  settings: CacheMemoizeSettings,
  ttlMs: number | undefined,
): CacheAlias {
  const connection = connectRedis(name, definition);
  const store = new RedisMemoStore(
    name,
    connection,
    settings.namespace,
    settings.storeTimeoutMs,
    new RateLimitedLogger(),
  );
  const cache = createRedisCache(name, connection.client, settings.namespace, ttlMs);
  return { name, kind: 'redis', cache, store, ttlMs, clone: false };
}

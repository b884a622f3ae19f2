import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { DEFAULT_MEMORY_MAX } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import type { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import { CacheConfigError } from '../errors.js';
import type { CacheDefinition, MemoryCacheDefinition } from '../interfaces/module-options.interface.js';
import {
  assertKnownOptions,
  EXISTING_CACHE_OPTION_NAMES,
  MEMORY_CACHE_OPTION_NAMES,
  REDIS_CACHE_OPTION_NAMES,
} from '../interfaces/option-names.js';
import { parseTtl } from '../utils/duration.js';
import type { CacheAlias } from './cache-alias.js';
import { CacheManagerMemoStore } from '../stores/cache-manager.store.js';
import { MemoryMemoStore } from '../stores/memory.store.js';
import { createDisabledCache, DisabledMemoStore } from '../stores/disabled.store.js';
import { assertRedisDefinition } from '../stores/redis/redis-client.factory.js';
import { createRedisAlias } from './create-redis-alias.js';

/** Builds the store of one alias from its definition, validating it. */
export function createAlias(name: string, definition: CacheDefinition, settings: CacheMemoizeSettings): CacheAlias {
  const ttlMs = parseTtl(definition?.ttl, `cache alias '${name}' (ttl)`);
  if (!settings.enabled) return createDisabledAlias(name, definition, ttlMs);
  const where = `Cache alias '${name}'`;
  if (definition && 'cache' in definition && definition.cache) {
    assertKnownOptions(definition, EXISTING_CACHE_OPTION_NAMES, where);
    const markBase = `${settings.namespace ? `${settings.namespace}:` : ''}${name}:`;
    const store = new CacheManagerMemoStore(name, definition.cache, markBase, settings.storeTimeoutMs);
    return { name, kind: 'cache', cache: definition.cache, store, ttlMs, clone: false };
  }
  if (definition && 'store' in definition && definition.store === 'memory') {
    assertKnownOptions(definition, MEMORY_CACHE_OPTION_NAMES, where);
    return createMemoryAlias(name, definition, ttlMs);
  }
  if (definition && 'store' in definition && definition.store === 'redis') {
    assertKnownOptions(definition, REDIS_CACHE_OPTION_NAMES, where);
    return createRedisAlias(name, definition, settings, ttlMs);
  }
  throw new CacheConfigError(Messages.invalidCacheDefinition(name));
}

function createMemoryAlias(name: string, definition: MemoryCacheDefinition, ttlMs: number | undefined): CacheAlias {
  const max = definition.max ?? DEFAULT_MEMORY_MAX;
  if (!Number.isInteger(max) || max <= 0) throw new CacheConfigError(Messages.invalidMax(name, max));
  const store = new MemoryMemoStore(name, max);
  // The alias's Cache keeps its entries in the same LRU, so both count against `max`. Keyv passes
  // its ttl as a number where lru-cache expects options (Keyv keeps the expiry in the value itself).
  const lru = store.lru;
  const mapLike = {
    get: (key: string) => lru.get(key),
    set: (key: string, value: object | string) => lru.set(key, value) && true,
    delete: (key: string) => lru.delete(key),
    has: (key: string) => lru.has(key),
    clear: () => lru.clear(),
  };
  // Values stay as they are, as memoized ones do: no JSON round trip turning a Date into a string.
  const cache = createCache({ stores: [new Keyv({ store: mapLike, serialize: undefined, deserialize: undefined })] });
  return { name, kind: 'memory', cache, store, ttlMs, clone: definition.clone ?? false };
}

/**
 * `enabled: false`: the definition is checked as usual, but nothing is opened or kept. A
 * `{ cache }` alias still hands out the user's own Cache, which the library did not make.
 */
function createDisabledAlias(name: string, definition: CacheDefinition, ttlMs: number | undefined): CacheAlias {
  const store = new DisabledMemoStore(name);
  if (definition && 'cache' in definition && definition.cache) {
    return { name, kind: 'cache', cache: definition.cache, store, ttlMs, clone: false };
  }
  if (definition && 'store' in definition && definition.store === 'memory') {
    const max = definition.max ?? DEFAULT_MEMORY_MAX;
    if (!Number.isInteger(max) || max <= 0) throw new CacheConfigError(Messages.invalidMax(name, max));
    return { name, kind: 'memory', cache: createDisabledCache(), store, ttlMs, clone: false };
  }
  if (definition && 'store' in definition && definition.store === 'redis') {
    assertRedisDefinition(name, definition);
    return { name, kind: 'redis', cache: createDisabledCache(), store, ttlMs, clone: false };
  }
  throw new CacheConfigError(Messages.invalidCacheDefinition(name));
}

import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type {
  CacheMemoizeModuleOptions,
  DistributedLockOptions,
  TelemetryOptions,
} from './module-options.interface.js';
import type {
  ExistingCacheDefinition,
  MemoryCacheDefinition,
  RedisCacheDefinition,
} from './module-options.interface.js';
import type { InvalidateOptions } from './invalidate-options.interface.js';
import type { MemoizeDefaults, MemoizeOptions } from './memoize-options.interface.js';

/**
 * The option names the module knows, per options object it reads: any other name is a
 * CacheConfigError at bootstrap, so a typo is never silently ignored. Each list must name
 * exactly the fields of its interface (the compiler checks it both ways): adding an option to
 * an interface means adding it here, and the module then accepts it.
 */
type Names<T> = Readonly<Record<keyof Required<T>, true>>;

const names = <T>(list: Names<T>): ReadonlySet<string> => new Set(Object.keys(list));

export const ROOT_OPTION_NAMES = names<CacheMemoizeModuleOptions>({
  caches: true,
  defaultCache: true,
  namespace: true,
  ttl: true,
  isGlobal: true,
  storeTimeout: true,
  onStoreError: true,
  onEvent: true,
  credentialHeaders: true,
  telemetry: true,
  enabled: true,
});

export const TELEMETRY_OPTION_NAMES = names<TelemetryOptions>({ metrics: true, traces: true, hitSpans: true });

export const MEMORY_CACHE_OPTION_NAMES = names<MemoryCacheDefinition>({
  store: true,
  max: true,
  ttl: true,
  clone: true,
});

export const REDIS_CACHE_OPTION_NAMES = names<RedisCacheDefinition>({
  store: true,
  url: true,
  redis: true,
  ttl: true,
  lock: true,
  local: true,
});

export const LOCK_OPTION_NAMES = names<DistributedLockOptions>({ ttl: true, wait: true });

export const EXISTING_CACHE_OPTION_NAMES = names<ExistingCacheDefinition>({ cache: true, ttl: true });

export const MEMOIZE_OPTION_NAMES = names<MemoizeOptions>({
  ttl: true,
  cache: true,
  prefix: true,
  key: true,
  tags: true,
  skip: true,
  unless: true,
  storeResult: true,
  onHit: true,
  onMiss: true,
  refreshAfter: true,
  staleIfError: true,
  timeout: true,
  hardTimeout: true,
  lock: true,
  clone: true,
  vary: true,
});

/** `forFeature()` and `@CacheMemoizeConfig()`. */
export const DEFAULTS_OPTION_NAMES = names<MemoizeDefaults>({
  cache: true,
  ttl: true,
  prefix: true,
  refreshAfter: true,
  staleIfError: true,
  lock: true,
});

/** Each options object of `@CacheInvalidate()`. */
export const INVALIDATE_OPTION_NAMES = names<InvalidateOptions>({ tags: true, prefixes: true, cache: true });

/** Raises a CacheConfigError naming `where` and the first name of `options` not in `known`. */
export function assertKnownOptions(options: object, known: ReadonlySet<string>, where: string): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw new CacheConfigError(Messages.unknownOption(where, name, [...known]));
  }
}

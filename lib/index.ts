export { CacheMemoizeModule } from './cache-memoize.module.js';
export { CacheMemoize, type MemoizableMethod } from './decorators/cache-memoize.decorator.js';
export { CacheInvalidate } from './decorators/cache-invalidate.decorator.js';
export { CacheMemoizeConfig } from './decorators/cache-memoize-config.decorator.js';
export { CacheMemoizeInterceptor } from './interceptors/cache-memoize.interceptor.js';
export type { CachedHandlerInfo } from './interceptors/cached-handler.js';
export { CacheRegistry } from './caches/cache.registry.js';
export { InvalidationService } from './invalidation/invalidation.service.js';
export type { MethodArgs, MethodName, MethodResult } from './invalidation/invalidation.types.js';
export { CacheMemoizeStats, type MethodStatsSnapshot } from './observability/cache-memoize.stats.js';
export {
  type AliasHealth,
  CacheMemoizeHealthIndicator,
  type CacheMemoizeHealthResult,
} from './observability/cache-memoize.health.js';
export {
  CacheConfigError,
  CacheKeyError,
  CacheMemoizeError,
  CacheMemoizeTimeoutError,
  CacheStoreError,
} from './errors.js';
export type { Duration } from './utils/duration.js';
export type { CacheMemoizeEvent, CacheMemoizeEventType, HitTier } from './interfaces/cache-memoize-event.interface.js';
export type {
  MemoizeContext,
  MemoizeDefaults,
  MemoizeOptions,
  MemoizeResultContext,
} from './interfaces/memoize-options.interface.js';
export type {
  InvalidateContext,
  InvalidateOptions,
  InvalidateTargets,
} from './interfaces/invalidate-options.interface.js';
export type {
  CacheDefinition,
  CacheMemoizeModuleOptions,
  DistributedLockOptions,
  ExistingCacheDefinition,
  LocalTierOptions,
  MemoryCacheDefinition,
  RedisCacheDefinition,
  TelemetryOptions,
  RedisClient,
} from './interfaces/module-options.interface.js';

import type { Cache } from 'cache-manager';
import type { RedisOptions } from 'ioredis';
import type { Duration } from '../utils/duration.js';
import type { CacheMemoizeEvent } from './cache-memoize-event.interface.js';

/** A bounded in-memory LRU, local to this process. */
export interface MemoryCacheDefinition {
  store: 'memory';
  /** How many entries it holds at most; the least recently used go first. @default 10_000 */
  max?: number;
  /** Default ttl of the methods using this alias. */
  ttl?: Duration;
  /** Hand out deep copies, so callers cannot change cached values. @default false */
  clone?: boolean;
}

/**
 * What the library needs of a `Redis` or `Cluster` you hand it: what ioredis 5 and 6 both
 * have. Typed by shape rather than by ioredis's classes, so the client of the ioredis your
 * app installed fits whichever version that is (the classes of two copies never match).
 */
export interface RedisClient {
  readonly status: string;
  readonly isCluster: boolean;
  sendCommand(...args: never[]): unknown;
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** A Redis (or Redis Cluster) shared by every process of the app. */
export interface RedisCacheDefinition {
  store: 'redis';
  /** e.g. `redis://127.0.0.1:6379`. */
  url?: string;
  /** ioredis options, or your own ioredis (5 or 6) `Redis` or `Cluster` to reuse; you close it. */
  redis?: RedisOptions | RedisClient;
  /** Default ttl of the methods using this alias. */
  ttl?: Duration;
  /** The lock of methods with `lock: 'distributed'` on this alias. */
  lock?: DistributedLockOptions;
  /**
   * A local tier in each process, in front of Redis: hits on it are answered in the process,
   * and invalidations reach every process before they resolve (README, "Running several
   * instances"). Every process sharing the alias must declare it. @default none
   */
  local?: LocalTierOptions;
}

/** The local tier of a Redis alias. */
export interface LocalTierOptions {
  /** Entries kept in each process; the least recently used go first. @default 10_000 */
  max?: number;
  /** The longest a local copy is served before Redis is asked again. @default the entry's ttl */
  ttl?: Duration;
  /**
   * How long a process that cannot hear invalidations (disconnected, partitioned, paused)
   * goes on serving local copies, at most, and so the longest an invalidation waits for a
   * process that has gone silent.
   * @default '1s'
   */
  lease?: Duration;
}

/** How processes sharing a Redis alias take turns computing a missing entry. */
export interface DistributedLockOptions {
  /**
   * How long a lock outlives a process that dies holding it: others take over after at
   * most this. The holder extends it every third of it while the method runs, so a slow
   * method never outlives its lock.
   * @default '10s'
   */
  ttl?: Duration;
  /**
   * How long a process waits for another's result before running the method itself.
   * @default '30s'
   */
  wait?: Duration;
}

/** Any cache-manager `Cache`, e.g. the CACHE_MANAGER of `@nestjs/cache-manager`. */
export interface ExistingCacheDefinition {
  cache: Cache;
  /** Default ttl of the methods using this alias. */
  ttl?: Duration;
}

export type CacheDefinition = MemoryCacheDefinition | RedisCacheDefinition | ExistingCacheDefinition;

export interface CacheMemoizeModuleOptions {
  /**
   * The named caches (aliases).
   * @default { default: { store: 'memory' } }
   */
  caches?: Record<string, CacheDefinition>;
  /** Alias used where none is named. @default 'default' */
  defaultCache?: string;
  /** Prepended to every key; bump it on deploy to start clean. @default none */
  namespace?: string;
  /** Default ttl of every memoized method. @default '1m' */
  ttl?: Duration;
  /** Register the module globally. @default true */
  isGlobal?: boolean;
  /** A store call slower than this counts as a store error. @default '250ms' */
  storeTimeout?: Duration;
  /** `'bypass'`: log (rate-limited) and call through; `'throw'`: reject the call. @default 'bypass' */
  onStoreError?: 'bypass' | 'throw';
  /** Receives every hit, miss, stale, refresh, error, invalidate and bypass. */
  onEvent?: (event: CacheMemoizeEvent) => void;
  /**
   * `false` turns memoization off, e.g. in tests: every call runs its method, nothing is
   * read or stored and no connection is opened, invalidations resolve at once, and every
   * service (`InvalidationService`, `CacheRegistry`, `CacheMemoizeStats`) stays injectable.
   * Options are still checked at bootstrap.
   * @default true
   */
  enabled?: boolean;
  /**
   * More request headers that carry a user's or tenant's identity, e.g. `['x-tenant-id']`.
   * A request carrying one is personal: a cached handler answers it from the cache only if it
   * gives a `key` or names the header in `vary`. They are added to the default list, never
   * replace it.
   * @default ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-auth-token'] (always included)
   */
  credentialHeaders?: string[];
  /**
   * What the module records through OpenTelemetry when `@opentelemetry/api` is installed and
   * an SDK is registered before the application boots (see the README's "Observability").
   * @default { metrics: true, traces: true, hitSpans: false }
   */
  telemetry?: TelemetryOptions;
}

/** Which OpenTelemetry signals the module records; resolved once at bootstrap. */
export interface TelemetryOptions {
  /**
   * Counters of hits, misses, stale serves, errors, bypasses and invalidations, and
   * histograms of recompute and store call durations, through the global meter.
   * @default true
   */
  metrics?: boolean;
  /**
   * A span for each recompute and each invalidation, a child of the active span, through
   * the global tracer.
   * @default true
   */
  traces?: boolean;
  /**
   * A span for each hit too (needs `traces`). Off by default: hits are the bulk of the
   * calls, and a span costs more than a memory hit.
   * @default false
   */
  hitSpans?: boolean;
}

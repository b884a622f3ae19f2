import type { Duration } from '../utils/duration.js';

/** What the callbacks of a memoized method are told about one call. */
// The `any` defaults, fixed by the API, let untyped callbacks compile: `key: (user) => user.id`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface MemoizeContext<A extends unknown[] = any[], R = any> {
  /** The arguments of the call, as given. */
  args: A;
  /** The method's result; set for `ttl`, `tags` and `unless`, and for `onHit`. */
  result?: R;
  /** The instance the method was called on. Never part of the key. */
  instance: object;
  className: string;
  methodName: string;
  /** The full cache key of the call. */
  key: string;
}

/** What callbacks that run once the result is known are told: `result` is set. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface MemoizeResultContext<A extends unknown[] = any[], R = any> extends MemoizeContext<A, R> {
  result: R;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface MemoizeOptions<A extends unknown[] = any[], R = any> {
  /**
   * How long a result is served from the cache. A function gets the result (`ctx.result`),
   * so the ttl can follow the data.
   * @default the class, module or root `ttl` ('1m')
   */
  ttl?: Duration | ((ctx: MemoizeResultContext<A, R>) => Duration);
  /**
   * Alias of the cache to use, one of `forRoot({ caches })`.
   * @default the root `defaultCache` ('default')
   */
  cache?: string;
  /**
   * Readable start of every key of this method. Methods given the same prefix share entries.
   * @default `${ClassName}.${methodName}`
   */
  prefix?: string;
  /**
   * Replaces the arguments in the key, e.g. `(user) => user.id`. Its result is encoded
   * canonically. Applies to calls, `invalidate`, `refresh`, `peek` and `keyFor` alike.
   */
  key?: (...args: A) => unknown;
  /** Tags of the entry, for `InvalidationService.invalidateTags`. A function gets the result. */
  tags?: string[] | ((ctx: MemoizeResultContext<A, R>) => string[]);
  /** When it returns true, the call goes straight to the method: no read, no write. */
  skip?: (ctx: MemoizeContext<A, R>) => boolean;
  /** When it returns true for a result, that result is not stored. */
  unless?: (ctx: MemoizeResultContext<A, R>) => boolean;
  /**
   * `false` is guard mode: the method runs at most once per ttl and key; the first call
   * resolves to its result, later calls within the ttl to `undefined`.
   * @default true
   */
  storeResult?: boolean;
  /** Called on every hit, with the call's arguments and the cached result. */
  onHit?: (ctx: MemoizeResultContext<A, R>) => void;
  /** Called on every miss, with the call's arguments, before the method runs. */
  onMiss?: (ctx: MemoizeContext<A, R>) => void;
  /** An entry older than this is returned at once and recomputed once in the background. */
  refreshAfter?: Duration;
  /** Keep entries this long past their ttl, and serve them when a recompute fails. */
  staleIfError?: Duration;
  /** While a stale value exists, a recompute slower than this serves the stale value. */
  timeout?: Duration;
  /** A recompute slower than this rejects with `CacheMemoizeTimeoutError`. */
  hardTimeout?: Duration;
  /**
   * Concurrent calls with one key share one execution: in this process (`'process'`), or in
   * every process sharing the alias's Redis (`'distributed'`); `false` turns it off.
   * @default 'process'
   */
  lock?: 'process' | 'distributed' | false;
  /**
   * Return a deep copy of the cached value, so callers cannot change what is cached.
   * @default false (the memory store's `clone` setting)
   */
  clone?: boolean;
  /**
   * HTTP handlers and GraphQL resolvers only: request headers whose values are part of the
   * key. A personal request (one carrying a credential header) is cached only when every
   * credential header it carries is named here, or when `key` is given. Resolvers read the
   * headers through CacheMemoizeInterceptor bound globally; without it they run uncached.
   * @default [] (no header is part of the key)
   */
  vary?: string[];
}

/** Options that a class (`@CacheMemoizeConfig`) or a module (`forFeature`) can default. */
export type MemoizeDefaults = Pick<
  MemoizeOptions,
  'cache' | 'ttl' | 'prefix' | 'refreshAfter' | 'staleIfError' | 'lock'
>;

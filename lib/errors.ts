/**
 * Every error the library raises carries a stable `code`, so callers can branch
 * on it without matching message text, and the original error as `cause`.
 */
export abstract class CacheMemoizeError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration mistake: raised at bootstrap, naming the class, method or alias. */
export class CacheConfigError extends CacheMemoizeError {
  readonly code = 'E_CACHE_CONFIG';
}

/** An argument that cannot be part of a key (function, symbol, cycle). */
export class CacheKeyError extends CacheMemoizeError {
  readonly code = 'E_CACHE_KEY';
}

/** A recompute ran longer than its `hardTimeout`. */
export class CacheMemoizeTimeoutError extends CacheMemoizeError {
  readonly code = 'E_CACHE_TIMEOUT';
}

/**
 * A store (Redis, a cache-manager `Cache`) failed: what a call receives under
 * `onStoreError: 'throw'`, and what an invalidation or refresh the store could not carry
 * out rejects with, whatever `onStoreError` says. The store's own error is the `cause`.
 */
export class CacheStoreError extends CacheMemoizeError {
  readonly code = 'E_CACHE_STORE';
}

/** The store's error wrapped once, so callers branch on `code` and still reach the original as `cause`. */
export function asStoreError(error: unknown, message: string): CacheStoreError {
  return error instanceof CacheStoreError ? error : new CacheStoreError(message, { cause: error });
}

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

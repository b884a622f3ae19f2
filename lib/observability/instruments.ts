/**
 * The names, units and attributes of everything the module records through OpenTelemetry:
 * the contract of dashboards and alerts, documented in the README's "Observability" section.
 * Names follow OpenTelemetry's semantic conventions: a dotted lowercase namespace, counters
 * of discrete events pluralized with a `{curly}` unit, durations in seconds. Attribute values
 * come from the code (aliases, class and method names, routes), never from a call's key or
 * arguments, so their number is bounded by the code and no personal data leaves the process.
 */
export const INSTRUMENTATION_SCOPE = 'nestjs-cache-memoize';

export const Instrument = {
  hits: { name: 'cache_memoize.hits', unit: '{hit}', description: 'Calls answered from the cache.' },
  misses: {
    name: 'cache_memoize.misses',
    unit: '{miss}',
    description: 'Calls that found no fresh entry and waited for a recompute.',
  },
  staleServes: {
    name: 'cache_memoize.stale_serves',
    unit: '{serve}',
    description: 'Expired values served because the recompute failed or was too slow (staleIfError, timeout).',
  },
  errors: {
    name: 'cache_memoize.errors',
    unit: '{error}',
    description: 'Failures: the memoized method threw, a store call failed, or a result could not be stored.',
  },
  bypasses: {
    name: 'cache_memoize.bypasses',
    unit: '{call}',
    description: 'Calls that went straight to the method: skip() said so, or the store failed.',
  },
  invalidations: {
    name: 'cache_memoize.invalidations',
    unit: '{invalidation}',
    description: 'Invalidations carried out, per alias.',
  },
  recomputeDuration: {
    name: 'cache_memoize.recompute.duration',
    unit: 's',
    description: 'How long the memoized method ran on a miss or a refresh.',
    advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
  },
  storeDuration: {
    name: 'cache_memoize.store.duration',
    unit: 's',
    description: 'How long a call to a shared store (Redis, a cache-manager Cache) took, failures included.',
    advice: {
      explicitBucketBoundaries: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    },
  },
} as const;

export const Attr = {
  /** The cache alias. */
  cache: 'cache_memoize.cache',
  /** `Class.method` of the memoized method or controller handler. */
  function: 'code.function.name',
  /** The route template of a controller handler (controller and method paths, without global prefix). */
  route: 'http.route',
  /** `local`: answered in this process; `remote`: read from a shared store. */
  tier: 'cache_memoize.tier',
  /** `miss`, `refresh` (InvalidationService.refresh) or `due` (refreshAfter, in the background). */
  reason: 'cache_memoize.recompute.reason',
  /** `method`, `store` or `codec`. */
  errorSource: 'cache_memoize.error.source',
  /** `skip` or `store_error`. */
  bypassReason: 'cache_memoize.bypass.reason',
  /** `call`, `tag`, `prefix` or `all`. */
  invalidation: 'cache_memoize.invalidation.kind',
  /** `get`, `set`, `delete`, `invalidate` or `stamp`. */
  operation: 'cache_memoize.store.operation',
  /** The class name of the error, on failed recomputes and store calls. */
  errorType: 'error.type',
} as const;

export type InvalidationKind = 'call' | 'tag' | 'prefix' | 'all';
export type StoreOperation = 'get' | 'set' | 'delete' | 'invalidate' | 'stamp';

/** A low-cardinality name for an error: its class name. */
export function errorType(error: unknown): string {
  if (error instanceof Error) return error.constructor?.name || error.name || 'Error';
  return '_OTHER';
}

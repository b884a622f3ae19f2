/**
 * Counters of one memoized method, bumped on the call path with plain increments. They feed
 * `CacheMemoizeStats.snapshot()` and, read when the SDK collects, the OpenTelemetry counters:
 * a hit costs no more with metrics on than off.
 */
export class MethodStats {
  /** Every hit. */
  hits = 0;
  /** Hits answered in the process (a memory alias, or the local tier of a two-tier alias). */
  localHits = 0;
  misses = 0;
  stale = 0;
  /** The method threw (on a miss or a refresh). */
  methodErrors = 0;
  /** A store call failed or timed out. */
  storeErrors = 0;
  /** A result the store's codec could not encode. */
  codecErrors = 0;
  /** Calls `skip` sent straight to the method. */
  skipped = 0;
  /** Calls sent straight to the method because the store failed. */
  storeBypasses = 0;
  recomputes = 0;
  recomputeMs = 0;

  get errors(): number {
    return this.methodErrors + this.storeErrors + this.codecErrors;
  }

  recordRecompute(ms: number): void {
    this.recomputes++;
    this.recomputeMs += ms;
  }
}

import type { MemoizedMethod } from '../memoizer/memoized-method.js';
import type { OtelBatchObservableResult, OtelObservable } from './otel-api.js';

export interface MethodCounters {
  hits: OtelObservable;
  misses: OtelObservable;
  staleServes: OtelObservable;
  errors: OtelObservable;
  bypasses: OtelObservable;
}

/**
 * Reports each method's running totals when the SDK collects. Hits and misses are reported
 * from bootstrap on (hits under the alias's own tier), so a hit ratio is defined before the
 * first miss; the other series appear with their first count.
 */
export function observeMethods(
  result: OtelBatchObservableResult,
  counters: MethodCounters,
  methods: readonly MemoizedMethod[],
): void {
  for (const method of methods) {
    const series = method.config.instruments.series;
    if (series === undefined) continue;
    const stats = method.stats;
    const remoteHits = stats.hits - stats.localHits;
    if (stats.localHits > 0 || series.homeTier === 'local')
      result.observe(counters.hits, stats.localHits, series.localHit);
    if (remoteHits > 0 || series.homeTier === 'remote') result.observe(counters.hits, remoteHits, series.remoteHit);
    result.observe(counters.misses, stats.misses, series.base);
    observeCount(result, counters.staleServes, stats.stale, series.base);
    observeCount(result, counters.errors, stats.methodErrors, series.methodError);
    observeCount(result, counters.errors, stats.storeErrors, series.storeError);
    observeCount(result, counters.errors, stats.codecErrors, series.codecError);
    observeCount(result, counters.bypasses, stats.skipped, series.skipBypass);
    observeCount(result, counters.bypasses, stats.storeBypasses, series.storeBypass);
  }
}

function observeCount(
  result: OtelBatchObservableResult,
  counter: OtelObservable,
  value: number,
  attributes: Parameters<OtelBatchObservableResult['observe']>[2],
): void {
  if (value > 0) result.observe(counter, value, attributes);
}

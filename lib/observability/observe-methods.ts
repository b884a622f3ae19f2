import type { MemoizedMethod } from '../memoizer/memoized-method.js';
import type { MemoizedMethodRegistry } from '../memoizer/memoized-method.registry.js';
import { Instrument } from './instruments.js';
import type { MethodSeries } from './method-instruments.js';
import type { OtelAttributes, OtelBatchCallback, OtelMeter, OtelObservable } from './otel-api.js';

interface MethodCounters {
  hits: OtelObservable;
  misses: OtelObservable;
  staleServes: OtelObservable;
  errors: OtelObservable;
  bypasses: OtelObservable;
}

interface Observation {
  counter: OtelObservable;
  attributes: OtelAttributes;
  value: number;
}

/**
 * The asynchronous counters of one meter, and the applications whose methods they report.
 * One callback per meter sums the series of every live application: two applications in one
 * process with the same `Class.method` on the same alias are one series, as they would be
 * with synchronous counters (the SDK keeps only one observation per series and callback run).
 */
export class MethodObserver {
  private static readonly byMeter = new WeakMap<OtelMeter, MethodObserver>();
  private readonly counters: MethodCounters;
  private readonly observables: OtelObservable[];
  private readonly registries = new Set<MemoizedMethodRegistry>();
  private readonly callback: OtelBatchCallback = (result) => {
    for (const { counter, attributes, value } of this.collect()) result.observe(counter, value, attributes);
  };

  private constructor(private readonly meter: OtelMeter) {
    this.counters = {
      hits: meter.createObservableCounter(Instrument.hits.name, Instrument.hits),
      misses: meter.createObservableCounter(Instrument.misses.name, Instrument.misses),
      staleServes: meter.createObservableCounter(Instrument.staleServes.name, Instrument.staleServes),
      errors: meter.createObservableCounter(Instrument.errors.name, Instrument.errors),
      bypasses: meter.createObservableCounter(Instrument.bypasses.name, Instrument.bypasses),
    };
    this.observables = Object.values(this.counters);
  }

  /** Reports `registry`'s methods through `meter` until `remove` is called. */
  static add(meter: OtelMeter, registry: MemoizedMethodRegistry): void {
    let observer = MethodObserver.byMeter.get(meter);
    if (observer === undefined) MethodObserver.byMeter.set(meter, (observer = new MethodObserver(meter)));
    if (observer.registries.size === 0) meter.addBatchObservableCallback(observer.callback, observer.observables);
    observer.registries.add(registry);
  }

  /** Stops reporting `registry` (its application closed); the callback goes with the last one. */
  static remove(meter: OtelMeter, registry: MemoizedMethodRegistry): void {
    const observer = MethodObserver.byMeter.get(meter);
    if (observer === undefined || !observer.registries.delete(registry)) return;
    if (observer.registries.size === 0) meter.removeBatchObservableCallback(observer.callback, observer.observables);
  }

  /**
   * Each method's running totals, summed per series. Hits and misses are reported from
   * bootstrap on (hits under the alias's own tier), so a hit ratio is defined before the
   * first miss; the other series appear with their first count.
   */
  private collect(): Iterable<Observation> {
    const sums = new Map<string, Observation>();
    const add = (counter: OtelObservable, key: string, attributes: OtelAttributes, value: number) => {
      const seen = sums.get(key);
      if (seen === undefined) sums.set(key, { counter, attributes, value });
      else seen.value += value;
    };
    for (const registry of this.registries) {
      for (const method of registry.all()) {
        const series = method.config.instruments.series;
        if (series !== undefined) observeMethod(method, series, add, this.counters);
      }
    }
    return sums.values();
  }
}

function observeMethod(
  method: MemoizedMethod,
  series: MethodSeries,
  add: (counter: OtelObservable, key: string, attributes: OtelAttributes, value: number) => void,
  counters: MethodCounters,
): void {
  const stats = method.stats;
  const report = (counter: OtelObservable, name: string, attributes: OtelAttributes, value: number, always = false) => {
    if (always || value > 0) add(counter, `${name} ${JSON.stringify(attributes)}`, attributes, value);
  };
  const remoteHits = stats.hits - stats.localHits;
  report(counters.hits, 'hits', series.localHit, stats.localHits, series.homeTier === 'local');
  report(counters.hits, 'hits', series.remoteHit, remoteHits, series.homeTier === 'remote');
  report(counters.misses, 'misses', series.base, stats.misses, true);
  report(counters.staleServes, 'stale', series.base, stats.stale);
  report(counters.errors, 'errors', series.methodError, stats.methodErrors);
  report(counters.errors, 'errors', series.storeError, stats.storeErrors);
  report(counters.errors, 'errors', series.codecError, stats.codecErrors);
  report(counters.bypasses, 'bypasses', series.skipBypass, stats.skipped);
  report(counters.bypasses, 'bypasses', series.storeBypass, stats.storeBypasses);
}

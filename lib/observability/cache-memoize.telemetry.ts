import type { OnApplicationShutdown } from '@nestjs/common';
import type { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import type { CacheMemoizeEvent } from '../interfaces/cache-memoize-event.interface.js';
import type { MemoizedMethodRegistry } from '../memoizer/memoized-method.registry.js';
import type { MemoStore } from '../stores/memo-store.interface.js';
import type { HitTier } from '../interfaces/cache-memoize-event.interface.js';
import { Attr, Instrument, INSTRUMENTATION_SCOPE, type InvalidationKind } from './instruments.js';
import {
  failSpan,
  type MethodInstruments,
  type MethodSeries,
  NO_INSTRUMENTS,
  recomputeRecorder,
  recomputeTracer,
} from './method-instruments.js';
import { MethodObserver } from './observe-methods.js';
import {
  loadOpenTelemetry,
  type OtelAttributes,
  type OtelCounter,
  type OtelHistogram,
  type OtelMeter,
  type OtelTracer,
} from './otel-api.js';
import { TimedMemoStore } from './timed-store.js';

/** Where a memoized method sits, as telemetry names it. */
export interface InstrumentedSite {
  owner: string;
  alias: string;
  /** The alias's kind: a memory alias answers hits in this process. */
  aliasKind: 'memory' | 'redis' | 'cache';
  /** The route template, for a controller handler. */
  route?: string;
}

interface Metrics {
  invalidations: OtelCounter;
  recomputeDuration: OtelHistogram;
  storeDuration: OtelHistogram;
}

interface Traces {
  tracer: OtelTracer;
  statusError: number;
  kindInternal: number;
  hitSpans: boolean;
}

/**
 * The module's link to OpenTelemetry, resolved once at bootstrap from `forRoot({ telemetry })`
 * and whether `@opentelemetry/api` is installed: the global meter's instruments, the global
 * tracer, or nothing. Everything it hands out (per-method instruments, store wrappers, hit
 * listeners) is chosen then, so a disabled signal costs the call path nothing.
 */
export class CacheMemoizeTelemetry implements OnApplicationShutdown {
  private constructor(
    private readonly metrics: Metrics | undefined,
    private readonly traces: Traces | undefined,
    /** The meter whose asynchronous counters report this application's methods, and those methods. */
    private readonly observed?: { meter: OtelMeter; methods: MemoizedMethodRegistry },
  ) {}

  /** Loads `@opentelemetry/api` only when a signal is on; without it, telemetry is off. */
  static async create(settings: CacheMemoizeSettings, methods: MemoizedMethodRegistry): Promise<CacheMemoizeTelemetry> {
    const { metrics: wantMetrics, traces: wantTraces, hitSpans } = settings.telemetry;
    const api = wantMetrics || wantTraces ? await loadOpenTelemetry() : undefined;
    if (api === undefined) return new CacheMemoizeTelemetry(undefined, undefined);
    const meter = wantMetrics ? api.metrics.getMeter(INSTRUMENTATION_SCOPE) : undefined;
    const metrics = meter && createMetrics(meter);
    if (meter) MethodObserver.add(meter, methods);
    const traces: Traces | undefined = wantTraces
      ? {
          tracer: api.trace.getTracer(INSTRUMENTATION_SCOPE),
          statusError: api.SpanStatusCode.ERROR,
          kindInternal: api.SpanKind.INTERNAL,
          hitSpans,
        }
      : undefined;
    return new CacheMemoizeTelemetry(metrics, traces, meter && { meter, methods });
  }

  /** What a memoized method records on its recomputes, and the series its counters are observed under. */
  instrumentsFor(site: InstrumentedSite): MethodInstruments {
    if (this.metrics === undefined && this.traces === undefined) return NO_INSTRUMENTS;
    const base = baseAttributes(site);
    const { metrics, traces } = this;
    return {
      series: metrics && seriesOf(base, site.aliasKind === 'memory' ? 'local' : 'remote'),
      trace: traces
        ? recomputeTracer(traces.tracer, base, site.owner, traces.statusError, traces.kindInternal)
        : NO_INSTRUMENTS.trace,
      recordRecompute: metrics ? recomputeRecorder(metrics.recomputeDuration, base) : NO_INSTRUMENTS.recordRecompute,
    };
  }

  /**
   * The method's `onEvent`: the user's, plus a span per hit with `telemetry.hitSpans`. Hit
   * spans ride on the event the hit path already emits when someone listens, so without
   * them the hit path is unchanged.
   */
  eventListener(
    site: InstrumentedSite,
    onEvent: ((event: CacheMemoizeEvent) => void) | undefined,
  ): ((event: CacheMemoizeEvent) => void) | undefined {
    const traces = this.traces;
    if (traces === undefined || !traces.hitSpans) return onEvent;
    const name = `hit ${site.owner}`;
    const base = baseAttributes(site);
    const options = {
      local: { kind: traces.kindInternal, attributes: { ...base, [Attr.tier]: 'local' } },
      remote: { kind: traces.kindInternal, attributes: { ...base, [Attr.tier]: 'remote' } },
    };
    return (event) => {
      if (event.type === 'hit') traces.tracer.startSpan(name, options[event.tier ?? 'local']).end();
      onEvent?.(event);
    };
  }

  /** The store of a shared alias, timing each call when metrics are on; a memory store as it is. */
  timedStore(store: MemoStore, aliasKind: InstrumentedSite['aliasKind']): MemoStore {
    if (this.metrics === undefined || aliasKind === 'memory') return store;
    return new TimedMemoStore(store, this.metrics.storeDuration);
  }

  /**
   * Runs an invalidation on `aliases`: in a span `invalidate <what>` when traces are on, and
   * counted per alias once it took effect when metrics are on.
   */
  async invalidation(
    kind: InvalidationKind,
    aliases: readonly string[],
    owner: string | undefined,
    run: () => Promise<void>,
  ): Promise<void> {
    const { metrics, traces } = this;
    if (metrics === undefined && traces === undefined) return run();
    const attributesOf = (alias: string): OtelAttributes => ({
      [Attr.cache]: alias,
      [Attr.invalidation]: kind,
      ...(owner === undefined ? {} : { [Attr.function]: owner }),
    });
    const work = traces
      ? traces.tracer.startActiveSpan(
          `invalidate ${owner ?? kind}`,
          {
            kind: traces.kindInternal,
            attributes: aliases.length === 1 ? attributesOf(aliases[0]!) : { [Attr.invalidation]: kind },
          },
          (span) =>
            run().then(
              () => span.end(),
              (error: unknown) => {
                failSpan(span, error, traces.statusError);
                throw error;
              },
            ),
        )
      : run();
    await work;
    if (metrics) for (const alias of aliases) metrics.invalidations.add(1, attributesOf(alias));
  }

  onApplicationShutdown(): void {
    if (this.observed) MethodObserver.remove(this.observed.meter, this.observed.methods);
  }
}

function createMetrics(meter: OtelMeter): Metrics {
  return {
    invalidations: meter.createCounter(Instrument.invalidations.name, Instrument.invalidations),
    recomputeDuration: meter.createHistogram(Instrument.recomputeDuration.name, Instrument.recomputeDuration),
    storeDuration: meter.createHistogram(Instrument.storeDuration.name, Instrument.storeDuration),
  };
}

function baseAttributes(site: InstrumentedSite): OtelAttributes {
  return {
    [Attr.cache]: site.alias,
    [Attr.function]: site.owner,
    ...(site.route === undefined ? {} : { [Attr.route]: site.route }),
  };
}

function seriesOf(base: OtelAttributes, homeTier: HitTier): MethodSeries {
  return {
    homeTier,
    base,
    localHit: { ...base, [Attr.tier]: 'local' },
    remoteHit: { ...base, [Attr.tier]: 'remote' },
    methodError: { ...base, [Attr.errorSource]: 'method' },
    storeError: { ...base, [Attr.errorSource]: 'store' },
    codecError: { ...base, [Attr.errorSource]: 'codec' },
    skipBypass: { ...base, [Attr.bypassReason]: 'skip' },
    storeBypass: { ...base, [Attr.bypassReason]: 'store_error' },
  };
}

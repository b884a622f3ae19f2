import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { ours } from '../fixtures/memo-app.js';
import { timeTasks } from '../support/measure.js';
import { PAYLOADS } from '../support/payloads.js';
import { formatRatio, type Goal, type Scenario, timingTable } from '../support/report.js';

const WITHOUT = 'telemetry off (metrics: false, traces: false)';
const NO_SDK = 'telemetry on, @opentelemetry/api without an SDK';
const WITH_SDK = 'telemetry on, OpenTelemetry SDK registered (metrics + traces)';
const HIT_SPANS = 'the same, with telemetry.hitSpans (a span per hit)';
const SDK_GOAL = 1.3;
/** Ends every span's journey at the exporter: what a span costs in process, without a backend. */
const DISCARD: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
};
const NO_SDK_GOAL = 1.05;

/**
 * 8. What telemetry costs a memory hit: the same hit with telemetry off, on without an SDK
 * (the API's no-op globals), and on with a real SDK registered before the app boots. The
 * SDK-less app boots first, because the module resolves the meter once, at bootstrap.
 */
export const telemetry: Scenario = {
  id: 'telemetry',
  title: '8. Telemetry overhead on a memory hit',
  async run() {
    const payload = PAYLOADS[0]!;
    const compute = async () => payload.value;
    const off = await ours(compute, { telemetry: { metrics: false, traces: false } }, WITHOUT);
    const noSdk = await ours(compute, {}, NO_SDK);

    const reader = new PeriodicExportingMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      exportIntervalMillis: 3_600_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const tracerProvider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: DISCARD })],
    });
    metrics.setGlobalMeterProvider(meterProvider);
    trace.setGlobalTracerProvider(tracerProvider);
    const withSdk = await ours(compute, {}, WITH_SDK);
    const hitSpans = await ours(compute, { telemetry: { hitSpans: true } }, HIT_SPANS);
    const all = [off, noSdk, withSdk, hitSpans];
    try {
      for (const c of all) await c.byId(1);
      const timings = await timeTasks(all.map((c) => [c.name, () => c.catalog.byId(1)] as const));
      // The SDK really reads the hits: a collection sees them.
      const collected = await reader.collect();
      const hitPoints = collected.resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((metric) => metric.descriptor.name === 'cache_memoize.hits')
        .flatMap((metric): unknown[] => metric.dataPoints);
      if (hitPoints.length === 0) throw new Error('the SDK collected no cache_memoize.hits point');

      const median = (name: string) => timings.find((t) => t.name === name)!.medianNs;
      const sdkRatio = median(WITH_SDK) / median(WITHOUT);
      const noSdkRatio = median(NO_SDK) / median(WITHOUT);
      const goals: Goal[] = [
        {
          goal: `Memory hit with an OpenTelemetry SDK and metrics on: ≤ ${SDK_GOAL}× the hit without telemetry`,
          measured: `${formatRatio(sdkRatio)} (${Math.round(median(WITH_SDK))} vs ${Math.round(median(WITHOUT))} ns)`,
          met: sdkRatio <= SDK_GOAL,
        },
        {
          goal: `Memory hit with telemetry on and no SDK registered: ≤ ${NO_SDK_GOAL}× the hit without telemetry`,
          measured: `${formatRatio(noSdkRatio)} (${Math.round(median(NO_SDK))} vs ${Math.round(median(WITHOUT))} ns)`,
          met: noSdkRatio <= NO_SDK_GOAL,
        },
      ];
      const table = timingTable(`Memory hit, primitive argument, ${payload.name}`, timings, WITHOUT, WITHOUT, [
        'Hits are counted with plain increments that the SDK reads when it collects (an asynchronous counter), so a hit does no OpenTelemetry call; spans are only for recomputes and invalidations unless `telemetry.hitSpans`. The hit-span row hands each span to an exporter that discards it.',
      ]);
      return { tables: [table], goals };
    } finally {
      for (const c of all) await c.close();
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
      metrics.disable();
      trace.disable();
    }
  },
};

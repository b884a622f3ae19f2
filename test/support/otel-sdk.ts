import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  type MetricData,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

/** One data point as a test reads it: the instrument, its attributes and its value (a sum or a histogram count). */
export interface Point {
  name: string;
  unit: string;
  attributes: Record<string, unknown>;
  value: number;
  /** Histograms: the sum of what was recorded. */
  sum?: number;
}

/**
 * A real OpenTelemetry SDK kept in memory and registered globally, as an app registers its
 * SDK before it boots: a MeterProvider read through InMemoryMetricExporter, a TracerProvider
 * writing to InMemorySpanExporter, and the AsyncLocalStorage context manager.
 */
export class InMemoryOtel {
  private constructor(
    private readonly meterProvider: MeterProvider,
    private readonly reader: PeriodicExportingMetricReader,
    private readonly metricExporter: InMemoryMetricExporter,
    private readonly tracerProvider: TracerProvider,
    private readonly spanExporter: InMemorySpanExporter,
    private readonly contextManager: AsyncLocalStorageContextManager,
  ) {}

  static register(): InMemoryOtel {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const spanExporter = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
    });
    const contextManager = new AsyncLocalStorageContextManager().enable();
    metrics.disable();
    trace.disable();
    context.disable();
    if (!metrics.setGlobalMeterProvider(meterProvider)) throw new Error('a global MeterProvider is already set');
    if (!trace.setGlobalTracerProvider(tracerProvider)) throw new Error('a global TracerProvider is already set');
    if (!context.setGlobalContextManager(contextManager)) throw new Error('a global ContextManager is already set');
    return new InMemoryOtel(meterProvider, reader, metricExporter, tracerProvider, spanExporter, contextManager);
  }

  /** Collects now, and returns every point of the latest collection. */
  async points(prefix = 'cache_memoize.'): Promise<Point[]> {
    this.metricExporter.reset();
    await this.reader.forceFlush();
    const collected = this.metricExporter.getMetrics().at(-1);
    const all: MetricData[] = collected?.scopeMetrics.flatMap((scope) => scope.metrics) ?? [];
    return all
      .filter((metric) => metric.descriptor.name.startsWith(prefix))
      .flatMap((metric) =>
        metric.dataPoints.map((point): Point => {
          const { name, unit } = metric.descriptor;
          if (metric.dataPointType === DataPointType.HISTOGRAM) {
            const value = point.value as { count: number; sum?: number };
            return { name, unit, attributes: point.attributes, value: value.count, sum: value.sum };
          }
          return { name, unit, attributes: point.attributes, value: point.value as number };
        }),
      );
  }

  spans(): ReadableSpan[] {
    return this.spanExporter.getFinishedSpans();
  }

  async shutdown(): Promise<void> {
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
    this.contextManager.disable();
    metrics.disable();
    trace.disable();
    context.disable();
  }
}

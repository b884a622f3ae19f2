/**
 * The slice of `@opentelemetry/api` this library uses, typed here rather than imported, so
 * that the published declarations never name a package the user may not have installed.
 * The real API objects satisfy these shapes.
 */
export type OtelAttributes = Readonly<Record<string, string>>;

export interface OtelCounter {
  add(value: number, attributes?: OtelAttributes): void;
}

export interface OtelHistogram {
  record(value: number, attributes?: OtelAttributes): void;
}

/** An asynchronous instrument: its values are read from our counters when the SDK collects. */
export type OtelObservable = object;

export interface OtelBatchObservableResult {
  observe(observable: OtelObservable, value: number, attributes?: OtelAttributes): void;
}

export type OtelBatchCallback = (result: OtelBatchObservableResult) => void;

interface InstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: readonly number[] };
}

export interface OtelMeter {
  createCounter(name: string, options?: InstrumentOptions): OtelCounter;
  createHistogram(name: string, options?: InstrumentOptions): OtelHistogram;
  createObservableCounter(name: string, options?: InstrumentOptions): OtelObservable;
  addBatchObservableCallback(callback: OtelBatchCallback, observables: OtelObservable[]): void;
  removeBatchObservableCallback(callback: OtelBatchCallback, observables: OtelObservable[]): void;
}

export interface OtelSpan {
  setAttribute(key: string, value: string): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

export interface OtelSpanOptions {
  kind?: number;
  attributes?: OtelAttributes;
}

export interface OtelTracer {
  startSpan(name: string, options?: OtelSpanOptions): OtelSpan;
  startActiveSpan<F extends (span: OtelSpan) => unknown>(name: string, options: OtelSpanOptions, fn: F): ReturnType<F>;
}

export interface OtelApi {
  metrics: { getMeter(name: string, version?: string): OtelMeter };
  trace: { getTracer(name: string, version?: string): OtelTracer };
  SpanStatusCode: { ERROR: number };
  SpanKind: { INTERNAL: number };
}

/**
 * `@opentelemetry/api` when it is installed, else `undefined`. Loaded once at bootstrap with
 * a dynamic `import()` (a `require()` in the CommonJS build), so the library loads and works
 * without it. Any other failure to load it is a broken install and is thrown.
 */
export async function loadOpenTelemetry(specifier = '@opentelemetry/api'): Promise<OtelApi | undefined> {
  try {
    const loaded = (await import(specifier)) as OtelApi & { default?: OtelApi };
    return loaded.metrics ? loaded : loaded.default;
  } catch (error) {
    if (isModuleNotFound(error, specifier)) return undefined;
    throw error;
  }
}

function isModuleNotFound(error: unknown, specifier: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(specifier)
  );
}

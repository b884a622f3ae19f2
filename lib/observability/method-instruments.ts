import type { Outcome } from '../memoizer/outcome.js';
import type { RunReason } from '../memoizer/method-config.js';
import type { HitTier } from '../interfaces/cache-memoize-event.interface.js';
import { Attr, errorType } from './instruments.js';
import type { OtelAttributes, OtelHistogram, OtelSpan, OtelTracer } from './otel-api.js';

/** The attribute sets under which a method's counters are observed, built once at bootstrap. */
export interface MethodSeries {
  /** The tier a hit of this alias comes from today, reported from bootstrap on (at 0), so hit ratios are defined. */
  readonly homeTier: HitTier;
  readonly base: OtelAttributes;
  readonly localHit: OtelAttributes;
  readonly remoteHit: OtelAttributes;
  readonly methodError: OtelAttributes;
  readonly storeError: OtelAttributes;
  readonly codecError: OtelAttributes;
  readonly skipBypass: OtelAttributes;
  readonly storeBypass: OtelAttributes;
}

/**
 * What one memoized method records through OpenTelemetry on a recompute, chosen once at
 * bootstrap: with telemetry off (or no `@opentelemetry/api`) the no-op below, so the call path
 * has no `if (enabled)` to take. Hits are not here: they are plain counters read at collection.
 */
export interface MethodInstruments {
  readonly series: MethodSeries | undefined;
  /** Runs the method: inside a span, a child of the caller's active span, when traces are on. */
  trace(reason: RunReason, run: () => Promise<Outcome>): Promise<Outcome>;
  /** The duration of a recompute that ended, with the error when the method threw. */
  recordRecompute(ms: number, reason: RunReason, error?: unknown): void;
}

export const NO_INSTRUMENTS: MethodInstruments = {
  series: undefined,
  trace: (_reason, run) => run(),
  recordRecompute: () => undefined,
};

/** The recompute duration histogram of one method. */
export function recomputeRecorder(
  histogram: OtelHistogram,
  base: OtelAttributes,
): MethodInstruments['recordRecompute'] {
  const byReason: Record<RunReason, OtelAttributes> = {
    miss: { ...base, [Attr.reason]: 'miss' },
    refresh: { ...base, [Attr.reason]: 'refresh' },
    due: { ...base, [Attr.reason]: 'due' },
  };
  return (ms, reason, error) =>
    histogram.record(
      ms / 1000,
      error === undefined ? byReason[reason] : { ...byReason[reason], [Attr.errorType]: errorType(error) },
    );
}

/** Runs each recompute in a span named `recompute Class.method`, with an error status when the method throws. */
export function recomputeTracer(
  tracer: OtelTracer,
  base: OtelAttributes,
  owner: string,
  statusError: number,
  kind: number,
): MethodInstruments['trace'] {
  const name = `recompute ${owner}`;
  const options: Record<RunReason, { kind: number; attributes: OtelAttributes }> = {
    miss: { kind, attributes: { ...base, [Attr.reason]: 'miss' } },
    refresh: { kind, attributes: { ...base, [Attr.reason]: 'refresh' } },
    due: { kind, attributes: { ...base, [Attr.reason]: 'due' } },
  };
  return (reason, run) =>
    tracer.startActiveSpan(name, options[reason], (span: OtelSpan) =>
      settleSpan(span, run(), statusError),
    ) as Promise<Outcome>;
}

/** Ends `span` when `work` settles; a rejection marks it failed. */
export function settleSpan<T>(span: OtelSpan, work: Promise<T>, statusError: number): Promise<T> {
  return work.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      failSpan(span, error, statusError);
      throw error;
    },
  );
}

/**
 * Marks a span failed with the error's class name only: messages may carry keys or argument
 * values (ours name the key on a hard timeout), which must not leave the process.
 */
export function failSpan(span: OtelSpan, error: unknown, statusError: number): void {
  span.setAttribute(Attr.errorType, errorType(error));
  span.setStatus({ code: statusError });
  span.end();
}

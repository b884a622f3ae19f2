import { defer, from, mergeMap, type Observable } from 'rxjs';
import type { HitTier } from '../interfaces/cache-memoize-event.interface.js';
import type { StoredEntry } from '../stores/memo-store.interface.js';
import type { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import { deepCopy } from '../serialization/deep-copy.js';
import { type Compute, MethodExecutions } from './method-executions.js';
import type { MethodConfig } from './method-config.js';
import { MethodTelemetry } from './method-telemetry.js';
import { MethodMisses } from './method-misses.js';
import { asOutcome, type Outcome } from './outcome.js';
import { replayObservable } from './run-original.js';

/**
 * One decorated method in one application: looks its key up, hands misses to its
 * executions (shared, stored), and serves stale values when told to. A hit on
 * the memory store is answered synchronously from the entry, with one Promise for the
 * caller and nothing else allocated.
 */
export class MemoizedMethod {
  readonly telemetry: MethodTelemetry;
  /** Its executions; on demand, InvalidationService starts and detaches them too (see invalidation/method-operations.ts). */
  readonly executions: MethodExecutions;
  /** What a call does when no fresh entry answers it (see method-misses.ts). */
  private readonly misses: MethodMisses;

  constructor(
    readonly config: MethodConfig,
    private readonly original: Function,
    log: RateLimitedLogger,
  ) {
    this.telemetry = new MethodTelemetry(config, log);
    this.executions = new MethodExecutions(config, original, this.telemetry);
    this.misses = new MethodMisses(config, this.executions, this.telemetry);
  }

  get stats() {
    return this.telemetry.stats;
  }

  /**
   * What the decorated method returns when called on a wired instance. `keyExtra`: values
   * the key must also hold (a resolver's `vary` headers); `compute`: what runs on a miss,
   * by default the method.
   */
  invoke(instance: object, args: unknown[], keyExtra?: unknown[], compute?: Compute): unknown {
    if (this.executions.observable)
      return defer(() => this.deliverObservable(this.resolve(instance, args, keyExtra, asOutcome, compute)));
    try {
      // A Promise (a store read, a recompute) is handed back as it is: Promise.resolve returns it.
      return Promise.resolve(this.resolve(instance, args, keyExtra, this.toValue, compute));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The cached outcome under `key`, or what `compute` (by default the method) settles to,
   * stored, handed to `deliver` (for `invoke`, the value its caller gets). A store read is
   * delivered in the step that handles its answer: callers of one shared Redis read cost one
   * Promise each, not two. The interceptor calls this with its own keys and the handler
   * pipeline as `compute`.
   */
  resolveKeyed<R>(
    instance: object,
    args: unknown[],
    key: string,
    compute: Compute | undefined,
    deliver: (outcome: Outcome) => R,
  ): R | Promise<R> {
    // One clock reading serves the store's expiry check and ours: a hit reads it once.
    const now = Date.now();
    let found: StoredEntry | undefined | Promise<StoredEntry | undefined>;
    try {
      found = this.config.store.get(key, this.config.scope, now);
    } catch (error) {
      return this.misses.afterStoreError(error, instance, args, key, compute).then(deliver);
    }
    if (found === undefined) return this.misses.recompute(instance, args, key, undefined, compute).then(deliver);
    if (found instanceof Promise) {
      return found.then(
        (entry) =>
          entry === undefined
            ? this.misses.recompute(instance, args, key, undefined, compute).then(deliver)
            : settled(this.found(instance, args, key, entry, compute, Date.now(), 'remote'), deliver),
        (error) => this.misses.afterStoreError(error, instance, args, key, compute).then(deliver),
      );
    }
    return settled(this.found(instance, args, key, found, compute, now, 'local'), deliver);
  }

  /** `keyExtra`: values the key holds besides the arguments (a handler's `vary` headers). */
  keyFor(args: unknown[], keyExtra?: unknown[]): string {
    return this.config.keys.build(args, keyExtra);
  }

  valueOf(outcome: Outcome): unknown {
    return this.config.clone ? deepCopy(outcome.value) : outcome.value;
  }

  private readonly toValue = (outcome: Outcome): unknown => this.valueOf(outcome);

  /**
   * Whether `skip` sends this call straight to the method (a `bypass` event says so).
   * The interceptor asks it too, with the key it built.
   */
  skips(instance: object, args: unknown[], key: string): boolean {
    const { skip } = this.config;
    if (skip === undefined || !skip(this.telemetry.context(instance, args, key, undefined))) return false;
    this.telemetry.stats.skipped++;
    this.telemetry.emit('bypass', key);
    return true;
  }

  /** Runs the method itself, nothing stored: for a `compute` that wraps it. */
  runMethod(instance: object, args: unknown[]): Promise<Outcome> {
    return this.executions.run(instance, args, undefined);
  }

  /** Calls the method itself, uncached (a personal request to a resolver), saying so. */
  bypass(instance: object, args: unknown[]): unknown {
    this.telemetry.emit('bypass', '');
    return this.original.apply(instance, args);
  }

  private resolve<R>(
    instance: object,
    args: unknown[],
    keyExtra: unknown[] | undefined,
    deliver: (outcome: Outcome) => R,
    compute?: Compute,
  ): R | Promise<R> {
    if (this.config.skip === undefined)
      return this.resolveKeyed(instance, args, this.config.keys.build(args, keyExtra), compute, deliver);
    // An argument that cannot be keyed is a reason to skip: `skip` sees an empty key, and the
    // key error surfaces only when the call is not skipped.
    let key: string | undefined;
    let keyError: unknown;
    try {
      key = this.config.keys.build(args, keyExtra);
    } catch (error) {
      keyError = error;
    }
    if (this.skips(instance, args, key ?? '')) return this.executions.run(instance, args, undefined).then(deliver);
    if (key === undefined) throw keyError;
    return this.resolveKeyed(instance, args, key, compute, deliver);
  }

  private found(
    instance: object,
    args: unknown[],
    key: string,
    entry: StoredEntry,
    compute: Compute | undefined,
    now: number,
    tier: HitTier,
  ): Outcome | Promise<Outcome> {
    if (entry.freshUntil <= now) return this.misses.recompute(instance, args, key, entry, compute);
    this.telemetry.stats.hits++;
    if (tier === 'local') this.telemetry.stats.localHits++;
    if (this.config.onHit !== undefined) this.telemetry.callback(this.config.onHit, instance, args, key, entry.value);
    if (this.config.onEvent !== undefined) this.telemetry.emit('hit', key, undefined, undefined, tier);
    if (entry.refreshAt !== undefined && entry.refreshAt <= now && !this.executions.isRunning(key)) {
      this.executions
        .start(instance, args, key, compute, 'due')
        .catch((error) => this.telemetry.refreshFailed(error, key));
    }
    return entry;
  }

  private deliverObservable(result: Outcome | Promise<Outcome>): Observable<unknown> {
    if (!(result instanceof Promise)) return replayObservable(result.kind, this.valueOf(result));
    return from(result).pipe(mergeMap((outcome) => replayObservable(outcome.kind, this.valueOf(outcome))));
  }
}

/** `deliver` applied to an outcome that may still be on its way (a stale entry being recomputed). */
function settled<R>(outcome: Outcome | Promise<Outcome>, deliver: (outcome: Outcome) => R): R | Promise<R> {
  return outcome instanceof Promise ? outcome.then(deliver) : deliver(outcome);
}

import { defer, from, mergeMap, type Observable } from 'rxjs';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeTimeoutError } from '../errors.js';
import { ResultKind, type StoredEntry } from '../registry/memo-store.interface.js';
import { EntryEncodeError } from '../serialization/entry-codec.js';
import type { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import { settleWithin } from '../utils/with-timeout.js';
import { buildEntry, deepCopy } from './entry-builder.js';
import type { MethodConfig } from './method-config.js';
import { MethodTelemetry } from './method-telemetry.js';
import { type Outcome, replayObservable, runOriginal } from './run-original.js';

const SOFT_TIMEOUT = Symbol('soft-timeout');

/** Runs the method (or, for a controller, its handler pipeline) and settles the result. */
export type Compute = () => Promise<Outcome>;

/**
 * One decorated method in one application: looks its key up, shares one execution among
 * concurrent misses, stores the result, and serves stale values when told to. A hit on
 * the memory store is answered synchronously from the entry, with one Promise for the
 * caller and nothing else allocated.
 */
export class MemoizedMethod {
  readonly telemetry: MethodTelemetry;
  private readonly flights = new Map<string, Promise<Outcome>>();
  private observable: boolean;

  constructor(
    readonly config: MethodConfig,
    private readonly original: Function,
    log: RateLimitedLogger,
  ) {
    this.telemetry = new MethodTelemetry(config, log);
    this.observable = config.returnMode === 'observable';
  }

  get stats() {
    return this.telemetry.stats;
  }

  /** What the decorated method returns when called on a wired instance. */
  invoke(instance: object, args: unknown[]): unknown {
    if (this.observable) return defer(() => this.deliverObservable(this.resolve(instance, args)));
    try {
      const result = this.resolve(instance, args);
      return result instanceof Promise ? result.then((outcome) => this.valueOf(outcome)) : Promise.resolve(this.valueOf(result));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The cached outcome under `key`, or what `compute` (by default the method) settles to, stored.
   * The interceptor calls this with its own keys and the handler pipeline as `compute`.
   */
  resolveKeyed(instance: object, args: unknown[], key: string, compute: Compute | undefined): Outcome | Promise<Outcome> {
    // One clock reading serves the store's expiry check and ours: a hit reads it once.
    const now = Date.now();
    let found: StoredEntry | undefined | Promise<StoredEntry | undefined>;
    try {
      found = this.config.store.get(key, this.config.scope, now);
    } catch (error) {
      return this.afterStoreError(error, instance, args, key, compute);
    }
    if (found === undefined) return this.recompute(instance, args, key, undefined, compute);
    if (found instanceof Promise) {
      return found.then(
        (entry) => (entry === undefined ? this.recompute(instance, args, key, undefined, compute) : this.found(instance, args, key, entry, compute, Date.now())),
        (error) => this.afterStoreError(error, instance, args, key, compute),
      );
    }
    return this.found(instance, args, key, found, compute, now);
  }

  keyFor(args: unknown[]): string {
    return this.config.keys.build(args);
  }

  /** Recomputes now, stores and returns the value; concurrent calls join this execution. */
  async refresh(instance: object, args: unknown[]): Promise<unknown> {
    const key = this.keyFor(args);
    return this.valueOf(await this.track(key, this.execute(instance, args, key, undefined, true)));
  }

  /** The fresh cached value, without calling the method. */
  async peek(args: unknown[]): Promise<unknown> {
    const entry = await this.config.store.get(this.keyFor(args), this.config.scope);
    return entry && entry.freshUntil > Date.now() ? this.valueOf(entry) : undefined;
  }

  async invalidate(args: unknown[]): Promise<void> {
    const key = this.keyFor(args);
    await this.config.store.delete(key);
    this.telemetry.emit('invalidate', key);
  }

  valueOf(outcome: Outcome): unknown {
    return this.config.clone ? deepCopy(outcome.value) : outcome.value;
  }

  private resolve(instance: object, args: unknown[]): Outcome | Promise<Outcome> {
    if (this.config.skip !== undefined && this.skipped(instance, args)) return runOriginal(this.original, instance, args);
    return this.resolveKeyed(instance, args, this.config.keys.build(args), undefined);
  }

  /** `compute`, or by default the decorated method itself (no closure on the hit path). */
  private run(instance: object, args: unknown[], compute: Compute | undefined): Promise<Outcome> {
    return compute === undefined ? runOriginal(this.original, instance, args) : compute();
  }

  private found(instance: object, args: unknown[], key: string, entry: StoredEntry, compute: Compute | undefined, now: number): Outcome | Promise<Outcome> {
    if (entry.freshUntil <= now) return this.recompute(instance, args, key, entry, compute);
    this.telemetry.stats.hits++;
    if (this.config.onHit !== undefined) this.telemetry.callback(this.config.onHit, instance, args, key, entry.value);
    if (this.config.onEvent !== undefined) this.telemetry.emit('hit', key);
    if (entry.refreshAt !== undefined && entry.refreshAt <= now && !this.flights.has(key)) {
      this.track(key, this.execute(instance, args, key, compute, true)).catch((error) => this.telemetry.refreshFailed(error, key));
    }
    return entry;
  }

  /** A miss, or an entry past its ttl that may still be served if the recompute fails. */
  private async recompute(instance: object, args: unknown[], key: string, stale: StoredEntry | undefined, compute: Compute | undefined): Promise<Outcome> {
    this.telemetry.stats.misses++;
    if (this.config.onMiss !== undefined) this.telemetry.callback(this.config.onMiss, instance, args, key, undefined);
    const started = performance.now();
    const flight = this.config.lock === false ? this.execute(instance, args, key, compute) : (this.flights.get(key) ?? this.track(key, this.execute(instance, args, key, compute)));
    try {
      const outcome = await this.withinHardTimeout(stale === undefined ? flight : this.withinSoftTimeout(flight), key);
      if (outcome === SOFT_TIMEOUT) return this.serveStale(stale!, key, undefined);
      this.telemetry.emit('miss', key, undefined, performance.now() - started);
      return outcome;
    } catch (error) {
      if (stale === undefined) throw error;
      return this.serveStale(stale, key, error);
    }
  }

  private track(key: string, flight: Promise<Outcome>): Promise<Outcome> {
    this.flights.set(key, flight);
    const land = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.then(land, land);
    return flight;
  }

  private async execute(instance: object, args: unknown[], key: string, compute: Compute | undefined, isRefresh = false): Promise<Outcome> {
    const stamp = await this.stamp(key);
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await this.run(instance, args, compute);
    } catch (error) {
      this.telemetry.stats.errors++;
      throw error;
    }
    const durationMs = performance.now() - started;
    this.telemetry.stats.recordRecompute(durationMs);
    if (isRefresh) this.telemetry.emit('refresh', key, undefined, durationMs);
    if (outcome.kind !== ResultKind.Value) this.observable = true;
    if (stamp !== undefined) await this.save(instance, args, key, outcome, stamp);
    return outcome;
  }

  private async save(instance: object, args: unknown[], key: string, outcome: Outcome, stamp: number): Promise<void> {
    try {
      const entry = buildEntry(this.config, outcome, stamp, () => this.telemetry.context(instance, args, key, outcome.value));
      if (entry !== undefined) await this.config.store.set(key, entry);
    } catch (error) {
      if (error instanceof EntryEncodeError) this.telemetry.notEncodable(error, key);
      else this.telemetry.storeError(error, key, Messages.notStored(this.config.owner, this.config.alias));
    }
  }

  private async stamp(key: string): Promise<number | undefined> {
    try {
      return await this.config.store.stamp();
    } catch (error) {
      this.telemetry.storeError(error, key, Messages.storeFailed(this.config.owner, this.config.alias));
      return undefined;
    }
  }

  private withinSoftTimeout(flight: Promise<Outcome>): Promise<Outcome | typeof SOFT_TIMEOUT> {
    const ms = this.config.timeoutMs;
    return ms === undefined ? flight : settleWithin(flight, ms, () => SOFT_TIMEOUT);
  }

  private withinHardTimeout<T>(flight: Promise<T>, key: string): Promise<T> {
    const ms = this.config.hardTimeoutMs;
    if (ms === undefined) return flight;
    return settleWithin(flight, ms, () => {
      throw new CacheMemoizeTimeoutError(Messages.hardTimeout(this.config.owner, ms, key));
    });
  }

  private serveStale(stale: StoredEntry, key: string, error: unknown): Outcome {
    this.telemetry.stats.stale++;
    this.telemetry.emit('stale', key, error);
    return stale;
  }

  private afterStoreError(error: unknown, instance: object, args: unknown[], key: string, compute: Compute | undefined): Promise<Outcome> {
    this.telemetry.storeError(error, key, Messages.storeFailed(this.config.owner, this.config.alias));
    this.telemetry.emit('bypass', key);
    return this.run(instance, args, compute);
  }

  private skipped(instance: object, args: unknown[]): boolean {
    let key = '';
    try {
      key = this.config.keys.build(args);
    } catch {
      // An argument that cannot be keyed is a reason to skip; the key stays empty.
    }
    if (!this.config.skip!(this.telemetry.context(instance, args, key, undefined))) return false;
    this.telemetry.emit('bypass', key);
    return true;
  }

  private deliverObservable(result: Outcome | Promise<Outcome>): Observable<unknown> {
    if (!(result instanceof Promise)) return replayObservable(result.kind, this.valueOf(result));
    return from(result).pipe(mergeMap((outcome) => replayObservable(outcome.kind, this.valueOf(outcome))));
  }
}

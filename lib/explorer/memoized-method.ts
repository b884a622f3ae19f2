import rfdc from 'rfdc';
import { defer, from, mergeMap, type Observable } from 'rxjs';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeTimeoutError } from '../errors.js';
import type { CacheMemoizeEventType } from '../interfaces/cache-memoize-event.interface.js';
import type { MemoizeContext } from '../interfaces/memoize-options.interface.js';
import { ResultKind, type StoredEntry } from '../registry/memo-store.interface.js';
import { MethodStats } from '../stats/method-stats.js';
import { toMilliseconds } from '../utils/duration.js';
import type { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import { settleWithin } from '../utils/with-timeout.js';
import type { MethodConfig } from './method-config.js';
import { type Outcome, replayObservable, runOriginal } from './run-original.js';

const deepCopy = rfdc();
const SOFT_TIMEOUT = Symbol('soft-timeout');

/**
 * One decorated method in one application: looks its key up, shares one execution among
 * concurrent misses, stores the result, and serves stale values when told to. A hit on
 * the memory store is answered synchronously from the entry, with one Promise for the
 * caller and nothing else allocated.
 */
export class MemoizedMethod {
  readonly stats = new MethodStats();
  private readonly flights = new Map<string, Promise<Outcome>>();
  private observable: boolean;

  constructor(
    readonly config: MethodConfig,
    private readonly original: Function,
    private readonly log: RateLimitedLogger,
  ) {
    this.observable = config.returnMode === 'observable';
  }

  /** What the decorated method returns when called on a wired instance. */
  invoke(instance: object, args: unknown[]): unknown {
    if (this.observable) {
      return defer(() => this.deliverObservable(this.resolve(instance, args)));
    }
    try {
      const result = this.resolve(instance, args);
      return result instanceof Promise ? result.then((outcome) => this.valueOf(outcome)) : Promise.resolve(this.valueOf(result));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  keyFor(args: unknown[]): string {
    return this.config.keys.build(args);
  }

  /** Recomputes now, stores and returns the value; concurrent calls join this execution. */
  async refresh(instance: object, args: unknown[]): Promise<unknown> {
    const key = this.keyFor(args);
    return this.valueOf(await this.track(key, this.execute(instance, args, key, true)));
  }

  /** The fresh cached value, without calling the method. */
  async peek(args: unknown[]): Promise<unknown> {
    const entry = await this.config.store.get(this.keyFor(args), this.config.scope);
    return entry && entry.freshUntil > Date.now() ? this.valueOf(entry) : undefined;
  }

  async invalidate(args: unknown[]): Promise<void> {
    const key = this.keyFor(args);
    await this.config.store.delete(key);
    this.emit('invalidate', key);
  }

  private resolve(instance: object, args: unknown[]): Outcome | Promise<Outcome> {
    const config = this.config;
    if (config.skip !== undefined && this.skipped(instance, args)) {
      return runOriginal(this.original, instance, args);
    }
    const key = config.keys.build(args);
    let found: StoredEntry | undefined | Promise<StoredEntry | undefined>;
    try {
      found = config.store.get(key, config.scope);
    } catch (error) {
      return this.afterStoreError(error, instance, args, key);
    }
    if (found === undefined) return this.recompute(instance, args, key, undefined);
    if (found instanceof Promise) {
      return found.then(
        (entry) => (entry === undefined ? this.recompute(instance, args, key, undefined) : this.found(instance, args, key, entry)),
        (error) => this.afterStoreError(error, instance, args, key),
      );
    }
    return this.found(instance, args, key, found);
  }

  private found(instance: object, args: unknown[], key: string, entry: StoredEntry): Outcome | Promise<Outcome> {
    const now = Date.now();
    if (entry.freshUntil <= now) return this.recompute(instance, args, key, entry);
    this.stats.hits++;
    if (this.config.onHit !== undefined) this.callback(this.config.onHit, instance, args, key, entry.value);
    if (this.config.onEvent !== undefined) this.emit('hit', key);
    if (entry.refreshAt !== undefined && entry.refreshAt <= now) this.refreshInBackground(instance, args, key);
    return entry;
  }

  /** A miss, or an entry past its ttl that may still be served if the recompute fails. */
  private async recompute(instance: object, args: unknown[], key: string, stale: StoredEntry | undefined): Promise<Outcome> {
    this.stats.misses++;
    if (this.config.onMiss !== undefined) this.callback(this.config.onMiss, instance, args, key, undefined);
    const started = performance.now();
    const flight = this.flight(instance, args, key);
    if (stale === undefined) {
      const outcome = await this.withinHardTimeout(flight, key);
      this.emit('miss', key, undefined, performance.now() - started);
      return outcome;
    }
    try {
      const outcome = await this.withinHardTimeout(this.withinSoftTimeout(flight), key);
      if (outcome === SOFT_TIMEOUT) return this.serveStale(stale, key, undefined);
      this.emit('miss', key, undefined, performance.now() - started);
      return outcome;
    } catch (error) {
      return this.serveStale(stale, key, error);
    }
  }

  private flight(instance: object, args: unknown[], key: string): Promise<Outcome> {
    if (this.config.lock === false) return this.execute(instance, args, key);
    return this.flights.get(key) ?? this.track(key, this.execute(instance, args, key));
  }

  private track(key: string, flight: Promise<Outcome>): Promise<Outcome> {
    this.flights.set(key, flight);
    const land = () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    };
    flight.then(land, land);
    return flight;
  }

  private async execute(instance: object, args: unknown[], key: string, isRefresh = false): Promise<Outcome> {
    const stamp = await this.stamp(key);
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await runOriginal(this.original, instance, args);
    } catch (error) {
      this.stats.errors++;
      throw error;
    }
    const durationMs = performance.now() - started;
    this.stats.recordRecompute(durationMs);
    if (isRefresh) this.emit('refresh', key, undefined, durationMs);
    if (outcome.kind !== ResultKind.Value) this.observable = true;
    if (stamp !== undefined) await this.save(instance, args, key, outcome, stamp);
    return outcome;
  }

  private async save(instance: object, args: unknown[], key: string, outcome: Outcome, stamp: number): Promise<void> {
    const config = this.config;
    try {
      const needsContext = config.unless !== undefined || typeof config.ttl === 'function' || typeof config.tags === 'function';
      const ctx = needsContext ? this.context(instance, args, key, outcome.value) : undefined;
      if (config.unless?.(ctx!)) return;
      const ttl = typeof config.ttl === 'number' ? config.ttl : toMilliseconds(config.ttl(ctx!));
      if (ttl === undefined) throw new TypeError(Messages.invalidComputedTtl(config.owner));
      const now = Date.now();
      const entry: StoredEntry = {
        value: !config.storeResult ? undefined : config.clone ? deepCopy(outcome.value) : outcome.value,
        kind: outcome.kind,
        created: stamp,
        freshUntil: now + ttl,
        staleUntil: now + ttl + config.staleIfErrorMs,
        refreshAt: config.refreshAfterMs === undefined ? undefined : now + config.refreshAfterMs,
        tags: typeof config.tags === 'function' ? config.tags(ctx!) : config.tags,
      };
      await config.store.set(key, entry);
    } catch (error) {
      this.reportStoreError(error, key, Messages.notStored(config.owner, config.alias));
    }
  }

  private async stamp(key: string): Promise<number | undefined> {
    try {
      return await this.config.store.stamp();
    } catch (error) {
      this.reportStoreError(error, key, Messages.storeFailed(this.config.owner, this.config.alias));
      return undefined;
    }
  }

  private refreshInBackground(instance: object, args: unknown[], key: string): void {
    if (this.flights.has(key)) return;
    this.track(key, this.execute(instance, args, key, true)).catch((error) => {
      this.log.error(this.config.owner, Messages.refreshFailed(this.config.owner), error);
      this.emit('error', key, error);
    });
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
    this.stats.stale++;
    this.emit('stale', key, error);
    return stale;
  }

  private afterStoreError(error: unknown, instance: object, args: unknown[], key: string): Promise<Outcome> {
    this.reportStoreError(error, key, Messages.storeFailed(this.config.owner, this.config.alias));
    this.emit('bypass', key);
    return runOriginal(this.original, instance, args);
  }

  private reportStoreError(error: unknown, key: string, message: string): void {
    if (this.config.throwOnStoreError) throw error;
    this.stats.errors++;
    this.log.error(this.config.alias, message, error);
    this.emit('error', key, error);
  }

  private skipped(instance: object, args: unknown[]): boolean {
    let key = '';
    try {
      key = this.config.keys.build(args);
    } catch {
      // An argument that cannot be keyed is a reason to skip; the key stays empty.
    }
    if (!this.config.skip!(this.context(instance, args, key, undefined))) return false;
    this.emit('bypass', key);
    return true;
  }

  private valueOf(outcome: Outcome): unknown {
    return this.config.clone ? deepCopy(outcome.value) : outcome.value;
  }

  private deliverObservable(result: Outcome | Promise<Outcome>): Observable<unknown> {
    if (!(result instanceof Promise)) return replayObservable(result.kind, this.valueOf(result));
    return from(result).pipe(mergeMap((outcome) => replayObservable(outcome.kind, this.valueOf(outcome))));
  }

  private context(instance: object, args: unknown[], key: string, result: unknown): MemoizeContext {
    const { className, methodName } = this.config;
    return { args, result, instance, className, methodName, key };
  }

  private callback(fn: (ctx: MemoizeContext) => void, instance: object, args: unknown[], key: string, result: unknown): void {
    try {
      fn(this.context(instance, args, key, result));
    } catch (error) {
      this.log.error(this.config.owner, Messages.callbackFailed(this.config.owner), error);
    }
  }

  private emit(type: CacheMemoizeEventType, key: string, error?: unknown, durationMs?: number): void {
    const onEvent = this.config.onEvent;
    if (onEvent === undefined) return;
    const { alias: cache, className, methodName } = this.config;
    try {
      onEvent({ type, cache, key, className, methodName, durationMs, error });
    } catch (failure) {
      this.log.error('onEvent', Messages.callbackFailed('onEvent'), failure);
    }
  }
}

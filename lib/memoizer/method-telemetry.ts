import { Messages } from '../cache-memoize.messages.js';
import type { CacheMemoizeEventType, HitTier } from '../interfaces/cache-memoize-event.interface.js';
import type { MemoizeResultContext } from '../interfaces/memoize-options.interface.js';
import { asStoreError } from '../errors.js';
import { MethodStats } from '../observability/method-stats.js';
import type { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import type { MethodConfig, RunReason } from './method-config.js';

/**
 * What a memoized method tells the outside: counters, `onEvent`, user callbacks and
 * store-failure logs. None of it may ever fail a call.
 */
export class MethodTelemetry {
  readonly stats = new MethodStats();

  constructor(
    private readonly config: MethodConfig,
    private readonly log: RateLimitedLogger,
  ) {}

  context(instance: object, args: unknown[], key: string, result: unknown): MemoizeResultContext {
    const { className, methodName } = this.config;
    return { args, result, instance, className, methodName, key };
  }

  /** Runs onHit or onMiss; a throwing callback is logged, not passed on. */
  callback(
    fn: (ctx: MemoizeResultContext) => void,
    instance: object,
    args: unknown[],
    key: string,
    result: unknown,
  ): void {
    try {
      fn(this.context(instance, args, key, result));
    } catch (error) {
      this.log.error(this.config.owner, Messages.callbackFailed(this.config.owner), error);
    }
  }

  emit(type: CacheMemoizeEventType, key: string, error?: unknown, durationMs?: number, tier?: HitTier): void {
    const onEvent = this.config.onEvent;
    if (onEvent === undefined) return;
    const { alias: cache, className, methodName } = this.config;
    try {
      onEvent({ type, cache, key, className, methodName, durationMs, error, tier });
    } catch (failure) {
      this.log.error('onEvent', Messages.callbackFailed('onEvent'), failure);
    }
  }

  /** A store failure: a CacheStoreError with `onStoreError: 'throw'`, else counted, logged (rate-limited) and emitted. */
  storeError(error: unknown, key: string, message: string): void {
    if (this.config.throwOnStoreError) throw asStoreError(error, message);
    this.reportStoreError(error, key, message);
  }

  /** A store failure no caller waits on (extending or releasing a lock): counted, logged and emitted, never thrown. */
  reportStoreError(error: unknown, key: string, message: string): void {
    this.stats.storeErrors++;
    this.failed(this.config.alias, message, error, key);
  }

  /** A result the store's codec refuses: the caller has it, nothing is stored, the method is named (whatever onStoreError says). */
  notEncodable(error: unknown, key: string): void {
    this.stats.codecErrors++;
    this.failed(this.config.owner, Messages.notEncodable(this.config.owner, this.config.alias), error, key);
  }

  /** A ttl or tags function answered garbage: the method's mistake, named as such, whatever onStoreError says. */
  misconfigured(error: Error, key: string): void {
    this.failed(this.config.owner, error.message, error, key);
  }

  /** A background refresh whose method threw: already counted as a method error when it ended. */
  refreshFailed(error: unknown, key: string): void {
    this.failed(this.config.owner, Messages.refreshFailed(this.config.owner), error, key);
  }

  /** A recompute that ended: counted, timed, and for a refresh emitted. */
  recomputed(durationMs: number, reason: RunReason, key: string): void {
    this.stats.recordRecompute(durationMs);
    this.config.instruments.recordRecompute(durationMs, reason);
    if (reason !== 'miss') this.emit('refresh', key, undefined, durationMs);
  }

  /** A recompute whose method threw: the error reaches the callers; here it is counted and timed. */
  recomputeFailed(durationMs: number, reason: RunReason, error: unknown): void {
    this.stats.methodErrors++;
    this.config.instruments.recordRecompute(durationMs, reason, error);
  }

  /** Another process held the lock past the alias's `lock.wait`: logged (rate-limited); the method runs here. */
  lockWaitOver(waitMs: number): void {
    const { owner, alias } = this.config;
    this.log.error(`${owner}:lock-wait`, Messages.lockWaitOver(owner, alias, waitMs));
  }

  /** Every failure the caller does not see: logged at most once per window and topic, emitted. */
  private failed(topic: string, message: string, error: unknown, key: string): void {
    this.log.error(topic, message, error);
    this.emit('error', key, error);
  }
}

import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeTimeoutError } from '../errors.js';
import type { StoredEntry } from '../stores/memo-store.interface.js';
import { settleWithin } from '../utils/with-timeout.js';
import type { Compute, MethodExecutions } from './method-executions.js';
import type { MethodConfig } from './method-config.js';
import type { MethodTelemetry } from './method-telemetry.js';
import type { Outcome } from './outcome.js';

const SOFT_TIMEOUT = Symbol('soft-timeout');

/**
 * What a call of a memoized method does when no fresh entry answers it: joins or starts the
 * key's execution within the method's timeouts, serves the stale entry when the execution
 * fails or outlasts `timeout`, and runs the method uncached when the store failed.
 */
export class MethodMisses {
  constructor(
    private readonly config: MethodConfig,
    private readonly executions: MethodExecutions,
    private readonly telemetry: MethodTelemetry,
  ) {}

  /** A miss, or an entry past its ttl that may still be served if the recompute fails. */
  async recompute(
    instance: object,
    args: unknown[],
    key: string,
    stale: StoredEntry | undefined,
    compute: Compute | undefined,
  ): Promise<Outcome> {
    this.telemetry.stats.misses++;
    if (this.config.onMiss !== undefined) this.telemetry.callback(this.config.onMiss, instance, args, key, undefined);
    const started = performance.now();
    const flight = this.executions.join(instance, args, key, compute);
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

  afterStoreError(
    error: unknown,
    instance: object,
    args: unknown[],
    key: string,
    compute: Compute | undefined,
  ): Promise<Outcome> {
    this.telemetry.storeError(error, key, Messages.storeFailed(this.config.owner, this.config.alias));
    this.telemetry.stats.storeBypasses++;
    this.telemetry.emit('bypass', key);
    return this.executions.run(instance, args, compute);
  }
}

import { isObservable, Observable } from 'rxjs';
import { Messages } from '../cache-memoize.messages.js';
import type { MemoizedCall } from '../decorators/trampoline.js';
import { CacheConfigError, CacheStoreError } from '../errors.js';
import type { InvalidateContext, InvalidateTargets } from '../interfaces/invalidate-options.interface.js';
import { isTagList } from '../explorer/option-shapes.js';
import type { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import type { InvalidationService } from './invalidation.service.js';

/** One `@CacheInvalidate` options object, checked at bootstrap. */
export interface InvalidationPlan {
  tags?: InvalidateTargets;
  prefixes?: InvalidateTargets;
  cache?: string;
}

/** A `@CacheInvalidate` method in one application, resolved at bootstrap. */
export interface InvalidatingMethodConfig {
  /** `Class.method`, for messages. */
  owner: string;
  plans: readonly InvalidationPlan[];
  throwOnStoreError: boolean;
}

/**
 * Runs a `@CacheInvalidate` method, then its invalidations, then hands the result over:
 * whoever waits on the method (a caller, a route, a resolver, a message reply) sees the
 * invalidations done. A method that throws, rejects or errors invalidates nothing.
 */
export class InvalidatingMethod implements MemoizedCall {
  constructor(
    readonly config: InvalidatingMethodConfig,
    private readonly original: Function,
    private readonly invalidation: InvalidationService,
    private readonly log: RateLimitedLogger,
  ) {}

  invoke(instance: object, args: unknown[]): unknown {
    const result: unknown = this.original.apply(instance, args);
    if (isObservable(result)) return this.afterCompletion(result, args);
    if (result instanceof Promise || typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
      // A Promise of an Observable (run by Nest as the method's output) succeeds when the Observable completes.
      return Promise.resolve(result).then((value) =>
        isObservable(value) ? this.afterCompletion(value, args) : this.apply(args, value).then(() => value),
      );
    }
    throw new CacheConfigError(Messages.invalidateNotAsync(this.config.owner));
  }

  /**
   * The Observable's values are held until it completes and the invalidations are done,
   * then delivered: a subscriber that has the last value can rely on the cache.
   */
  private afterCompletion(source: Observable<unknown>, args: unknown[]): Observable<unknown> {
    return new Observable((subscriber) => {
      const values: unknown[] = [];
      return source.subscribe({
        next: (value) => values.push(value),
        error: (error) => subscriber.error(error),
        complete: () => {
          this.apply(args, values[values.length - 1]).then(
            () => {
              for (const value of values) subscriber.next(value);
              subscriber.complete();
            },
            (error) => subscriber.error(error),
          );
        },
      });
    });
  }

  /** Every invalidation of the method, at once; store failures follow `onStoreError`. */
  private async apply(args: unknown[], result: unknown): Promise<void> {
    const ctx: InvalidateContext = { args, result };
    // Every name is computed before anything is invalidated: a callback that fails invalidates nothing.
    const work = this.config.plans.map((plan) => ({
      plan,
      tags: this.targets(plan.tags, ctx, 'tags'),
      prefixes: this.targets(plan.prefixes, ctx, 'prefixes'),
    }));
    const calls: Array<Promise<void>> = [];
    for (const { plan, tags, prefixes } of work) {
      if (tags.length > 0) calls.push(this.invalidation.invalidateTags([...tags], plan.cache));
      for (const prefix of prefixes) calls.push(this.invalidation.invalidatePrefix(prefix, plan.cache));
    }
    const failure = (await Promise.allSettled(calls)).find((outcome) => outcome.status === 'rejected');
    if (failure === undefined) return;
    if (this.config.throwOnStoreError) {
      // Named for the method the caller called, not for InvalidationService, which the caller never called.
      throw new CacheStoreError(Messages.invalidateFailedAfterRun(this.config.owner), { cause: failure.reason });
    }
    this.log.error(this.config.owner, Messages.invalidateFailed(this.config.owner), failure.reason);
  }

  private targets(targets: InvalidateTargets | undefined, ctx: InvalidateContext, option: string): readonly string[] {
    if (targets === undefined) return [];
    if (typeof targets !== 'function') return targets;
    const computed: unknown = targets(ctx);
    if (!isTagList(computed)) throw new CacheConfigError(Messages.invalidComputedTargets(this.config.owner, option));
    return computed;
  }
}

import { Injectable, type Type } from '@nestjs/common';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import { asStoreError, CacheConfigError } from '../errors.js';
import { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import { MemoizedMethodRegistry } from '../memoizer/memoized-method.registry.js';
import { CacheRegistry } from '../caches/cache.registry.js';
import { ALL_MARK, prefixMark, tagMark } from '../stores/marks.js';
import type { MethodArgs, MethodName, MethodResult } from './invalidation.types.js';
import { detachFlights, invalidateCall, peekCall, refreshCall } from './method-operations.js';
import { CacheMemoizeTelemetry } from '../observability/cache-memoize.telemetry.js';
import type { InvalidationKind } from '../observability/instruments.js';

/**
 * Drops or refreshes memoized results: one call's entry, every entry of a tag or a
 * prefix, or everything. Each takes effect in the store before its promise resolves,
 * and tags, prefixes and `invalidateAll` cost one write whatever the number of entries.
 */
@Injectable()
export class InvalidationService {
  private readonly log = new RateLimitedLogger();

  constructor(
    private readonly methods: MemoizedMethodRegistry,
    private readonly registry: CacheRegistry,
    private readonly settings: CacheMemoizeSettings,
    private readonly telemetry: CacheMemoizeTelemetry,
  ) {}

  /** Drops the entry of one call; the method is not run. */
  async invalidate<T, K extends MethodName<T>>(type: Type<T>, method: K, ...args: MethodArgs<T, K>): Promise<void> {
    // Off (a spec that tests the method, not the cache): nothing is stored, so nothing to look up, even for a replaced provider.
    if (!this.settings.enabled) return;
    const { memoized } = this.methods.find(type, method);
    const { alias, owner } = memoized.config;
    await this.telemetry.invalidation('call', [alias], owner, () => invalidateCall(memoized, args));
  }

  /** Runs the method now, stores and returns its result. Needs a singleton provider. */
  async refresh<T, K extends MethodName<T>>(
    type: Type<T>,
    method: K,
    ...args: MethodArgs<T, K>
  ): Promise<MethodResult<T, K>> {
    const { memoized, instance } = this.methods.find(type, method);
    if (!instance) throw new CacheConfigError(Messages.refreshNeedsSingleton(memoized.config.owner));
    return (await refreshCall(memoized, instance, args)) as MethodResult<T, K>;
  }

  /** The cached value of one call, or `undefined`; the method is not run. */
  async peek<T, K extends MethodName<T>>(
    type: Type<T>,
    method: K,
    ...args: MethodArgs<T, K>
  ): Promise<MethodResult<T, K> | undefined> {
    if (!this.settings.enabled) return undefined;
    return (await peekCall(this.methods.find(type, method).memoized, args)) as MethodResult<T, K> | undefined;
  }

  /** The full key of one call, as stored. */
  keyFor<T, K extends MethodName<T>>(type: Type<T>, method: K, ...args: MethodArgs<T, K>): string {
    return this.methods.find(type, method).memoized.keyFor(args);
  }

  /** Drops every entry carrying one of `tags`, in `cache` or, when none is named, in every alias. */
  async invalidateTags(tags: string | string[], cache?: string): Promise<void> {
    const list = typeof tags === 'string' ? [tags] : tags;
    await this.invalidateMarks('tag', list.map(tagMark), list, cache, 'invalidateTags');
  }

  /**
   * Drops every entry under `prefix`: a method's prefix (`BooksService.findAll` by default),
   * or any of its `.`- or `:`-separated leading parts (`BooksService` drops all its methods).
   */
  async invalidatePrefix(prefix: string, cache?: string): Promise<void> {
    await this.invalidateMarks('prefix', [prefixMark(prefix)], [prefix], cache, 'invalidatePrefix');
  }

  /** Drops every entry of this application in `cache` or in every alias; nothing else in the store is touched. */
  async invalidateAll(cache?: string): Promise<void> {
    await this.invalidateMarks('all', [ALL_MARK], [ALL_MARK], cache, 'invalidateAll');
  }

  private async invalidateMarks(
    kind: InvalidationKind,
    marks: string[],
    names: string[],
    cache: string | undefined,
    where: string,
  ): Promise<void> {
    const what = `InvalidationService.${where}()`;
    const aliases = cache === undefined ? this.registry.all() : [this.registry.alias(cache, what)];
    await this.telemetry.invalidation(
      kind,
      aliases.map((alias) => alias.name),
      undefined,
      async () => {
        await Promise.all(
          aliases.map(async (alias) => {
            try {
              await alias.store.invalidate(marks);
            } catch (error) {
              throw asStoreError(error, Messages.invalidationFailed(what, alias.name));
            }
            // Only now: a call arriving before the marks were written may still join, one arriving after may not.
            for (const memoized of this.methods.all())
              if (memoized.config.alias === alias.name) detachFlights(memoized, marks);
          }),
        );
      },
    );
    for (const alias of aliases) for (const key of names) this.emit(alias.name, key);
  }

  /** A throwing `onEvent` is logged: the invalidation took effect, so the caller must hear that it did. */
  private emit(cache: string, key: string): void {
    const onEvent = this.settings.onEvent;
    if (onEvent === undefined) return;
    try {
      onEvent({ type: 'invalidate', cache, key });
    } catch (failure) {
      this.log.error('onEvent', Messages.callbackFailed('onEvent'), failure);
    }
  }
}

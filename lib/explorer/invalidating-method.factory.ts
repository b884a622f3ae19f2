import { Injectable } from '@nestjs/common';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import { CacheRegistry } from '../caches/cache.registry.js';
import type { CacheInvalidateMetadata } from '../decorators/cache-invalidate.decorator.js';
import { CacheConfigError } from '../errors.js';
import { InvalidatingMethod, type InvalidationPlan } from '../invalidation/invalidating-method.js';
import { InvalidationService } from '../invalidation/invalidation.service.js';
import { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import { assertKnownOptions, INVALIDATE_OPTION_NAMES } from '../interfaces/option-names.js';
import { isTagList } from './option-shapes.js';

/**
 * Turns `@CacheInvalidate` metadata into an InvalidatingMethod, checking its options at
 * bootstrap (they were recorded as given), so a mistake stops the application from
 * starting, naming the class and method.
 */
@Injectable()
export class InvalidatingMethodFactory {
  private readonly log = new RateLimitedLogger();

  constructor(
    private readonly settings: CacheMemoizeSettings,
    private readonly registry: CacheRegistry,
    private readonly invalidation: InvalidationService,
  ) {}

  create(type: Function, methodName: string, metadata: CacheInvalidateMetadata): InvalidatingMethod {
    const owner = `${type.name}.${methodName}`;
    const given = metadata.options;
    const list: unknown[] = Array.isArray(given) ? given : [given];
    if (list.length === 0) throw new CacheConfigError(Messages.invalidInvalidateOptions(owner));
    const plans = list.map((options) => this.plan(options, owner));
    const config = { owner, plans, throwOnStoreError: this.settings.throwOnStoreError };
    return new InvalidatingMethod(config, metadata.binding.original, this.invalidation, this.log);
  }

  private plan(options: unknown, owner: string): InvalidationPlan {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new CacheConfigError(Messages.invalidInvalidateOptions(owner));
    }
    assertKnownOptions(options, INVALIDATE_OPTION_NAMES, `@CacheInvalidate() on ${owner}`);
    const { tags, prefixes, cache } = options as InvalidationPlan;
    for (const [option, targets] of [
      ['tags', tags],
      ['prefixes', prefixes],
    ] as const) {
      if (targets !== undefined && typeof targets !== 'function' && !isTagList(targets)) {
        throw new CacheConfigError(Messages.invalidInvalidateTargets(owner, option));
      }
    }
    if (tags === undefined && prefixes === undefined) throw new CacheConfigError(Messages.invalidateNothing(owner));
    if (cache !== undefined) {
      if (typeof cache !== 'string') throw new CacheConfigError(Messages.invalidInvalidateCache(owner, cache));
      this.registry.alias(cache, `@CacheInvalidate on ${owner}`);
    }
    // Copied, so a list changed after bootstrap cannot change what is invalidated.
    return {
      tags: Array.isArray(tags) ? [...tags] : tags,
      prefixes: Array.isArray(prefixes) ? [...prefixes] : prefixes,
      cache,
    };
  }
}

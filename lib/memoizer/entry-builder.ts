import { MAX_TTL_MS } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type { MemoizeResultContext } from '../interfaces/memoize-options.interface.js';
import type { StoredEntry } from '../stores/memo-store.interface.js';
import { deepCopy } from '../serialization/deep-copy.js';
import { toMilliseconds } from '../utils/duration.js';
import type { MethodConfig } from './method-config.js';
import { isTagList } from '../explorer/option-shapes.js';
import type { Outcome } from './outcome.js';

/**
 * The entry to store for a result, or `undefined` when `unless` says not to store it.
 * `ctx` is only built when a callback needs it. Throws a CacheConfigError when a ttl or
 * tags function returns something that is not a duration or a tag list.
 */
export function buildEntry(
  config: MethodConfig,
  outcome: Outcome,
  stamp: number,
  context: () => MemoizeResultContext,
): StoredEntry | undefined {
  const needsContext =
    config.unless !== undefined || typeof config.ttl === 'function' || typeof config.tags === 'function';
  const ctx = needsContext ? context() : undefined;
  if (config.unless?.(ctx!)) return undefined;
  const ttl = typeof config.ttl === 'number' ? config.ttl : computedTtl(config, ctx!);
  const now = Date.now();
  return {
    value: !config.storeResult ? undefined : config.clone ? deepCopy(outcome.value) : outcome.value,
    kind: outcome.kind,
    created: stamp,
    freshUntil: now + ttl,
    staleUntil: now + ttl + config.staleIfErrorMs,
    refreshAt: config.refreshAfterMs === undefined ? undefined : now + config.refreshAfterMs,
    tags: typeof config.tags === 'function' ? computedTags(config, ctx!) : config.tags,
  };
}

function computedTags(config: MethodConfig, ctx: MemoizeResultContext): readonly string[] {
  const tags = (config.tags as (ctx: MemoizeResultContext) => unknown)(ctx);
  if (!isTagList(tags)) throw new CacheConfigError(Messages.invalidComputedTags(config.owner, tags));
  return tags;
}

/** A ttl function's answer, bounded like a configured ttl: garbage is the method's mistake, not the store's. */
function computedTtl(config: MethodConfig, ctx: MemoizeResultContext): number {
  const given: unknown = (config.ttl as (ctx: MemoizeResultContext) => unknown)(ctx);
  const ttl = toMilliseconds(given);
  if (ttl === undefined || ttl > MAX_TTL_MS)
    throw new CacheConfigError(Messages.invalidComputedTtl(config.owner, given));
  return ttl;
}

import rfdc from 'rfdc';
import { Messages } from '../cache-memoize.messages.js';
import type { MemoizeResultContext } from '../interfaces/memoize-options.interface.js';
import type { StoredEntry } from '../stores/memo-store.interface.js';
import { toMilliseconds } from '../utils/duration.js';
import type { MethodConfig } from './method-config.js';
import { isTagList } from '../explorer/option-shapes.js';
import type { Outcome } from './outcome.js';

export const deepCopy = rfdc();

/**
 * The entry to store for a result, or `undefined` when `unless` says not to store it.
 * `ctx` is only built when a callback needs it. Throws when a ttl function returns
 * something that is not a duration.
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
  const ttl = typeof config.ttl === 'number' ? config.ttl : toMilliseconds(config.ttl(ctx!));
  if (ttl === undefined) throw new TypeError(Messages.invalidComputedTtl(config.owner));
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
  if (!isTagList(tags)) throw new TypeError(Messages.invalidComputedTags(config.owner));
  return tags;
}

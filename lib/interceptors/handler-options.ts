import type { MemoizeOptions, MemoizeResultContext } from '../interfaces/memoize-options.interface.js';
import { type CachedResponse, isStorable } from './cached-response.js';

type Callback<T> = (ctx: MemoizeResultContext) => T;

/**
 * A handler's options as the memoizer sees them. Its entries hold a CachedResponse, so
 * every callback that is shown the result is shown the body instead, and a response that
 * is not a complete 2xx body is never stored, whatever `unless` says.
 */
export function handlerOptions(options: MemoizeOptions): MemoizeOptions {
  const { ttl, tags, unless, onHit } = options;
  return {
    ...options,
    ttl: typeof ttl === 'function' ? seeingBody(ttl) : ttl,
    tags: typeof tags === 'function' ? seeingBody(tags) : tags,
    onHit: onHit && seeingBody(onHit),
    unless: (ctx) =>
      !isStorable(ctx.result as CachedResponse | undefined) || (unless !== undefined && seeingBody(unless)(ctx)),
  };
}

function seeingBody<T>(callback: Callback<T>): Callback<T> {
  return (ctx) => callback({ ...ctx, result: (ctx.result as CachedResponse | undefined)?.body });
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { MemoizeBinding, MemoizedCall } from '../decorators/trampoline.js';
import type { MemoizedMethod } from '../memoizer/memoized-method.js';
import type { Compute } from '../memoizer/method-executions.js';
import { type SessionCarrier, sessionState, wroteSession } from './session-state.js';

/** What CacheMemoizeInterceptor learnt about the request behind one call of a memoized resolver. */
export interface ResolverRequest {
  /** The resolver method the interceptor was called for: nothing else may read this. */
  readonly binding: MemoizeBinding;
  /** The request is personal and the key cannot tell users apart: compute without the cache. */
  readonly personal: boolean;
  /** The values of the resolver's `vary` headers, which its key must hold. */
  readonly varyValues?: unknown[];
  /** The request, when it carries a session: a resolver that writes into it computes for it alone. */
  readonly session?: SessionCarrier;
}

/**
 * Carries the interceptor's findings to the resolver it wraps: Nest calls the resolver inside
 * the interceptor's `next.handle()`, with only the arguments its parameter decorators ask for,
 * so the request itself may not reach the method.
 */
export const resolverRequests = new AsyncLocalStorage<ResolverRequest>();

/**
 * How a `@Query()` or `@ResolveField()` method reaches its memoizer. Without the interceptor
 * bound, nothing is known about the request: it is keyed by its GraphQL arguments only, and a
 * resolver that varies on headers cannot be keyed at all, so it runs uncached.
 */
export class ResolverCall implements MemoizedCall {
  constructor(
    private readonly memoized: MemoizedMethod,
    private readonly binding: MemoizeBinding,
    private readonly varies: boolean,
  ) {}

  invoke(instance: object, args: unknown[]): unknown {
    const request = resolverRequests.getStore();
    if (request === undefined || request.binding !== this.binding) {
      return this.varies ? this.memoized.bypass(instance, args) : this.memoized.invoke(instance, args);
    }
    if (request.personal) return this.memoized.bypass(instance, args);
    const compute = request.session && watchingSession(this.memoized, request.session, instance, args);
    return this.memoized.invoke(instance, args, request.varyValues, compute);
  }
}

/**
 * Runs the resolver and marks its result as this request's alone when the session shows it
 * was made for this visitor (see wroteSession): never stored, never shared with the callers
 * that joined it, as for a controller response.
 */
function watchingSession(
  memoized: MemoizedMethod,
  request: SessionCarrier,
  instance: object,
  args: unknown[],
): Compute {
  return async () => {
    const before = sessionState(request);
    const outcome = await memoized.runMethod(instance, args);
    return wroteSession(request, before) ? { ...outcome, personal: true } : outcome;
  };
}

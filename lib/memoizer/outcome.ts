import type { ResultKind } from '../stores/memo-store.interface.js';

/** A method's result, settled: the value and how to replay it. */
export interface Outcome {
  value: unknown;
  kind: ResultKind;
  /**
   * Set when the store refused to keep this result: an invalidation (here or in another
   * process) or a later computation overtook it. Its own caller still receives it (the
   * call began before that invalidation), but callers that joined the execution run again.
   */
  refused?: true;
  /**
   * Set when a `refresh()` could not take effect (no exact stamp, or its write failed): the
   * refresh rejects with it, while callers that joined the execution run again rather than
   * fail on the store (see MethodExecutions.join).
   */
  failure?: unknown;
  /**
   * A store stamp taken before work that fed this result began outside the execution (a
   * keyed route's pipes, which must run to give the key): the result is stored as computed
   * from then, so an invalidation that resolved meanwhile voids it.
   */
  startedBefore?: number;
  /**
   * The result is its caller's alone (a response that sets a cookie or says it is private, a
   * resolver or handler that wrote into a new visitor's session): never stored, and never
   * handed to a caller that joined or followed the execution, which runs again.
   */
  personal?: true;
}

/** What MemoizedMethod.resolveKeyed delivers to a caller that wants the outcome itself (the interceptor, an Observable). */
export function asOutcome(outcome: Outcome): Outcome {
  return outcome;
}

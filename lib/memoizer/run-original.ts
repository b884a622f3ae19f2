import { EMPTY, isObservable, type Observable, of } from 'rxjs';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import { ResultKind } from '../stores/memo-store.interface.js';
import type { Outcome } from './outcome.js';

/**
 * Calls the method and settles its result; an Observable settles to its last value. A method
 * that returns anything else is refused rather than turned into one returning a Promise.
 */
export async function runOriginal(
  original: Function,
  instance: object,
  args: unknown[],
  owner: string,
): Promise<Outcome> {
  const result: unknown = original.apply(instance, args);
  if (isObservable(result)) return lastOf(result);
  if (typeof (result as PromiseLike<unknown> | null)?.then !== 'function') {
    throw new CacheConfigError(Messages.notPromiseOrObservable(owner, describeResult(result)));
  }
  return { value: await result, kind: ResultKind.Value };
}

function describeResult(result: unknown): string {
  if (result === null || result === undefined) return String(result);
  if (typeof result === 'object') return `a ${result.constructor?.name ?? 'null-prototype'} object`;
  return `a ${typeof result}`;
}

function lastOf(source: Observable<unknown>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    let outcome: Outcome = { value: undefined, kind: ResultKind.EmptyObservable };
    source.subscribe({
      next: (value) => (outcome = { value, kind: ResultKind.Observable }),
      error: reject,
      complete: () => resolve(outcome),
    });
  });
}

/** Replays a settled value as an Observable, the way the method first delivered it. */
export function replayObservable(kind: ResultKind, value: unknown): Observable<unknown> {
  return kind === ResultKind.EmptyObservable ? EMPTY : of(value);
}

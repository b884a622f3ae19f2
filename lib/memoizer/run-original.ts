import { EMPTY, isObservable, type Observable, of } from 'rxjs';
import { ResultKind } from '../stores/memo-store.interface.js';
import type { Outcome } from './outcome.js';

/** Calls the method and settles its result; an Observable settles to its last value. */
export async function runOriginal(original: Function, instance: object, args: unknown[]): Promise<Outcome> {
  const result = original.apply(instance, args);
  if (isObservable(result)) return lastOf(result);
  return { value: await result, kind: ResultKind.Value };
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

import { Messages } from '../cache-memoize.messages.js';
import { asStoreError } from '../errors.js';
import type { MemoizedMethod } from '../memoizer/memoized-method.js';
import { tagMark } from '../stores/marks.js';

/*
 * What InvalidationService does to one memoized method, on demand: refresh or peek at one
 * call's entry, drop it, and let go of executions an invalidation overtook. A call of the
 * method itself never runs these (see memoizer/memoized-method.ts).
 */

/** Recomputes now, stores and returns the value; concurrent calls join this execution. */
export async function refreshCall(memoized: MemoizedMethod, instance: object, args: unknown[]): Promise<unknown> {
  const key = memoized.keyFor(args);
  const outcome = await memoized.executions.start(instance, args, key, undefined, 'refresh');
  if (outcome.failure !== undefined) throw outcome.failure;
  return memoized.valueOf(outcome);
}

/** The fresh cached value, without calling the method. */
export async function peekCall(memoized: MemoizedMethod, args: unknown[]): Promise<unknown> {
  const entry = await memoized.config.store.get(memoized.keyFor(args), memoized.config.scope);
  return entry && entry.freshUntil > Date.now() ? memoized.valueOf(entry) : undefined;
}

/** Drops the entry of one call, leaving a tombstone, and lets go of its execution. */
export async function invalidateCall(memoized: MemoizedMethod, args: unknown[]): Promise<void> {
  const key = memoized.keyFor(args);
  memoized.executions.forget(key);
  try {
    await memoized.config.store.delete(key);
  } catch (error) {
    throw asStoreError(
      error,
      Messages.invalidationFailed(`InvalidationService.invalidate(${memoized.config.owner})`, memoized.config.alias),
    );
  }
  memoized.telemetry.emit('invalidate', key);
}

/**
 * After `marks` were invalidated on this method's alias: a call from now on must not join
 * an execution that began before, so every running one is left to finish on its own
 * (its result is refused by the store). Tags are only known once a result is in, so any
 * tagged method lets go of its executions on a tag invalidation.
 */
export function detachFlights(memoized: MemoizedMethod, marks: readonly string[]): void {
  const { scope, tags } = memoized.config;
  const hit = marks.some((mark) =>
    mark.startsWith('tag:')
      ? typeof tags === 'function' || (tags !== undefined && tags.some((tag) => tagMark(tag) === mark))
      : scope.marks.includes(mark),
  );
  if (hit) memoized.executions.forgetAll();
}

import type { EntryScope, MemoStore, StoredEntry } from '../stores/memo-store.interface.js';
import { Attr, errorType, type StoreOperation } from './instruments.js';
import type { OtelAttributes, OtelHistogram } from './otel-api.js';

/**
 * A shared alias's store that records how long each call took (`cache_memoize.store.duration`),
 * failures included with their `error.type`. A call answered without waiting (a hit on a local
 * copy, a stamp from the synced clock) is not a store call: it is neither recorded nor timed.
 * Only built when metrics are on.
 */
export class TimedMemoStore implements MemoStore {
  readonly alias: string;
  readonly locks: MemoStore['locks'];
  readonly joinEpoch?: () => number;
  readonly adopted?: (key: string, created: number) => Promise<void>;
  private readonly attributes: Record<StoreOperation, OtelAttributes>;
  /** Promises being timed. The callers of one shared read get the same one: one store call, timed once. */
  private readonly timing = new WeakSet<Promise<unknown>>();

  constructor(
    private readonly inner: MemoStore,
    private readonly histogram: OtelHistogram,
  ) {
    this.alias = inner.alias;
    this.locks = inner.locks;
    // Optional parts of the contract stay as optional as the wrapped store has them.
    if (inner.joinEpoch !== undefined) this.joinEpoch = () => inner.joinEpoch!();
    if (inner.adopted !== undefined) this.adopted = (key, created) => inner.adopted!(key, created);
    const of = (operation: StoreOperation) => ({ [Attr.cache]: inner.alias, [Attr.operation]: operation });
    this.attributes = {
      get: of('get'),
      set: of('set'),
      delete: of('delete'),
      invalidate: of('invalidate'),
      stamp: of('stamp'),
    };
  }

  /** A local copy's hit costs no clock reading and no allocation: see `answered`. */
  get(key: string, scope: EntryScope, now?: number): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    try {
      return this.answered('get', this.inner.get(key, scope, now));
    } catch (error) {
      return this.failedAtOnce('get', error);
    }
  }

  stamp(exact?: boolean): number | Promise<number> {
    try {
      return this.answered('stamp', this.inner.stamp(exact));
    } catch (error) {
      return this.failedAtOnce('stamp', error);
    }
  }

  set(key: string, entry: StoredEntry, scope: EntryScope, replaces?: boolean): boolean | Promise<boolean> {
    const started = performance.now();
    return this.timed('set', started, () => this.inner.set(key, entry, scope, replaces));
  }

  delete(key: string): void | Promise<void> {
    const started = performance.now();
    return this.timed('delete', started, () => this.inner.delete(key));
  }

  invalidate(marks: readonly string[]): void | Promise<void> {
    const started = performance.now();
    return this.timed('invalidate', started, () => this.inner.invalidate(marks));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * For calls that are often answered at once (a local copy, the synced clock): the store is
   * called first, and only a Promise it hands back is timed, from then. What the store did
   * before that (encoding a command) is left out; a Redis read is not even sent by then, it
   * waits for the callers that join it (see shared-reads.ts).
   */
  private answered<T>(operation: StoreOperation, result: T | Promise<T>): T | Promise<T> {
    if (!(result instanceof Promise) || this.timing.has(result)) return result;
    this.timing.add(result);
    return this.timed(operation, performance.now(), () => result);
  }

  /** A store call that threw before handing anything back: recorded, and thrown on. */
  private failedAtOnce(operation: StoreOperation, error: unknown): never {
    this.record(operation, performance.now(), error);
    throw error;
  }

  private timed<T>(operation: StoreOperation, started: number, call: () => T): T {
    let result: T;
    try {
      result = call();
    } catch (error) {
      this.record(operation, started, error);
      throw error;
    }
    if (!(result instanceof Promise)) return result;
    return result.then(
      (value: unknown) => {
        this.record(operation, started, undefined);
        return value;
      },
      (error: unknown) => {
        this.record(operation, started, error);
        throw error;
      },
    ) as T;
  }

  private record(operation: StoreOperation, started: number, error: unknown): void {
    const seconds = (performance.now() - started) / 1000;
    const attributes = this.attributes[operation];
    this.histogram.record(
      seconds,
      error === undefined ? attributes : { ...attributes, [Attr.errorType]: errorType(error) },
    );
  }
}

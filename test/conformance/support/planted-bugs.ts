import { ResultStore } from '../../../lib/memoizer/result-store.js';
import type { EntryScope, MemoStore, StoredEntry } from '../../../lib/stores/memo-store.interface.js';

/** Passes every call on to the real store; a planted bug overrides the one it breaks. */
abstract class PlantedBug implements MemoStore {
  readonly joinEpoch?: () => number;
  readonly adopted?: (key: string, created: number) => Promise<void>;

  constructor(protected readonly inner: MemoStore) {
    if (inner.joinEpoch !== undefined) this.joinEpoch = () => inner.joinEpoch!();
    if (inner.adopted !== undefined) this.adopted = (key, created) => inner.adopted!(key, created);
  }

  get alias(): string {
    return this.inner.alias;
  }

  get locks() {
    return this.inner.locks;
  }

  get(key: string, scope: EntryScope, now?: number) {
    return this.inner.get(key, scope, now);
  }

  stamp(exact?: boolean) {
    return this.inner.stamp(exact);
  }

  set(key: string, entry: StoredEntry, scope: EntryScope, replaces?: boolean): boolean | Promise<boolean> {
    return this.inner.set(key, entry, scope, replaces);
  }

  delete(key: string) {
    return this.inner.delete(key);
  }

  invalidate(marks: readonly string[]) {
    return this.inner.invalidate(marks);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * A planted bug, to show the checker catches one: the entry's creation stamp is taken when
 * the result is stored instead of when the miss began. That disables the safeguard that
 * lets a tombstone or a mark refuse a computation which started before it, the classic
 * way a cache stores a value read before an invalidation. It wraps the real store, so
 * nothing in lib/ knows about it.
 */
export class StampedAtStoreTime extends PlantedBug {
  override async set(key: string, entry: StoredEntry, scope: EntryScope): Promise<boolean> {
    return this.inner.set(key, { ...entry, created: await this.inner.stamp(true) }, scope);
  }
}

/**
 * A planted bug, the one the Redis and `{ cache }` stores had until a refresh whose entry
 * expired learned to drop the key: an entry expired by the time it reaches the store is
 * skipped and reported stored, so a refresh resolves while the value it replaced stays.
 * Inventory.stock's 1 ms entries arrive expired.
 */
export class ExpiredRefreshKept extends PlantedBug {
  override set(key: string, entry: StoredEntry, scope: EntryScope, replaces?: boolean): boolean | Promise<boolean> {
    if (entry.staleUntil <= Date.now()) return true;
    return this.inner.set(key, entry, scope, replaces);
  }
}

/**
 * A planted bug, the memoizer's behaviour until a background refresh learned to drop what it
 * outdated: a `refreshAfter` recompute whose result is not stored (`unless` keeps a deleted row
 * out, a 1 ms entry expires on the way) leaves the entry it was to replace, which is served
 * until its ttl. Not a store's bug, so it replaces the drop on ResultStore's prototype, for
 * every application, until the returned function puts it back.
 */
export function skipBackgroundDrops(): () => void {
  const prototype = ResultStore.prototype as unknown as { dropInBackground(key: string): Promise<void> };
  const drop = prototype.dropInBackground;
  prototype.dropInBackground = async () => undefined;
  return () => {
    prototype.dropInBackground = drop;
  };
}

import type { EntryScope, MemoStore, StoredEntry } from '../../../lib/stores/memo-store.interface.js';

/**
 * A planted bug, to show the checker catches one: the entry's creation stamp is taken when
 * the result is stored instead of when the miss began. That disables the safeguard that
 * lets a tombstone or a mark refuse a computation which started before it, the classic
 * way a cache stores a value read before an invalidation. It wraps the real store, so
 * nothing in lib/ knows about it.
 */
export class StampedAtStoreTime implements MemoStore {
  constructor(private readonly inner: MemoStore) {}

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

  async set(key: string, entry: StoredEntry, scope: EntryScope): Promise<boolean> {
    return this.inner.set(key, { ...entry, created: await this.inner.stamp(true) }, scope);
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

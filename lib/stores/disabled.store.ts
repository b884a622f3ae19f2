import { type Cache, createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { EntryScope, MemoStore, StoredEntry } from './memo-store.interface.js';

/**
 * The store of every alias under `enabled: false`: it keeps nothing and opens nothing, so
 * a test needs no Redis, and invalidations resolve at once.
 */
export class DisabledMemoStore implements MemoStore {
  constructor(readonly alias: string) {}

  get(_key: string, _scope: EntryScope): undefined {
    return undefined;
  }

  stamp(): number {
    return 0;
  }

  /** Taken and dropped: nothing newer is kept that could refuse it, so `refresh()` resolves with its value. */
  set(_key: string, _entry: StoredEntry): boolean {
    return true;
  }

  delete(_key: string): void {}

  invalidate(_marks: readonly string[]): void {}

  async close(): Promise<void> {}
}

/** The cache-manager `Cache` of a library-built alias under `enabled: false`: every write is dropped. */
export function createDisabledCache(): Cache {
  const keepsNothing = {
    get: () => undefined,
    set: () => true,
    delete: () => false,
    has: () => false,
    clear: () => undefined,
  };
  return createCache({ stores: [new Keyv({ store: keepsNothing, serialize: undefined, deserialize: undefined })] });
}

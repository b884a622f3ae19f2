import type { Cache } from 'cache-manager';
import type { MemoStore } from '../stores/memo-store.interface.js';

/** One named cache: the cache-manager `Cache` users see, and the store the memoizer reads. */
export interface CacheAlias {
  readonly name: string;
  readonly kind: 'memory' | 'redis' | 'cache';
  readonly cache: Cache;
  readonly store: MemoStore;
  /** The alias's default ttl, if it sets one. */
  readonly ttlMs: number | undefined;
  /** Whether values are handed out as deep copies unless a method says otherwise. */
  readonly clone: boolean;
  /** Resolves once the alias's shared store answers, within `storeTimeout`; only shared stores have it. */
  readonly ping?: () => Promise<void>;
}

import type { Cache } from 'cache-manager';
import { MIN_MARK_LIFE_MS } from '../cache-memoize.constants.js';
import { entryCodec } from '../serialization/entry-codec.js';
import { withTimeout } from '../utils/with-timeout.js';
import { tagMark, voids } from './marks.js';
import type { EntryScope, MemoStore, StoredEntry } from './memo-store.interface.js';

/**
 * Any cache-manager `Cache` as an alias. Entries are encoded (see entry-codec), and
 * invalidation marks are plain keys of the same cache holding a stamp, read with the
 * entry in one `mget`, so invalidating a tag or prefix is one write.
 */
export class CacheManagerMemoStore implements MemoStore {
  private lastStamp = 0;
  private longestLife = 0;

  constructor(
    readonly alias: string,
    readonly cache: Cache,
    /** Namespace of the mark keys, so apps sharing the cache do not void each other. */
    private readonly markBase: string,
    private readonly timeoutMs: number,
  ) {}

  async get(key: string, scope: EntryScope): Promise<StoredEntry | undefined> {
    const keys = [key];
    for (const mark of scope.marks) keys.push(this.markKey(mark));
    const [raw, ...stamps] = await withTimeout(this.cache.mget<unknown>(keys), this.timeoutMs);
    const entry = entryCodec.decode<StoredEntry>(raw);
    if (!entry || entry.staleUntil <= Date.now()) return undefined;
    if (stamps.some((stamp) => isAtOrAfter(stamp, entry.created))) return undefined;
    if (entry.tags?.length) {
      const tagKeys = entry.tags.map((tag) => this.markKey(tagMark(tag)));
      const tagStamps = await withTimeout(this.cache.mget<unknown>(tagKeys), this.timeoutMs);
      if (tagStamps.some((stamp) => isAtOrAfter(stamp, entry.created))) return undefined;
    }
    return entry;
  }

  /** Microseconds since the epoch, strictly increasing within this process. */
  stamp(): number {
    this.lastStamp = Math.max(Date.now() * 1_000, this.lastStamp + 1);
    return this.lastStamp;
  }

  async set(key: string, entry: StoredEntry): Promise<void> {
    const life = entry.staleUntil - Date.now();
    if (life <= 0) return;
    if (life > this.longestLife) this.longestLife = life;
    await withTimeout(this.cache.set(key, entryCodec.encode(entry), life), this.timeoutMs);
  }

  async delete(key: string): Promise<void> {
    await withTimeout(this.cache.del(key), this.timeoutMs);
  }

  async invalidate(marks: readonly string[]): Promise<void> {
    const value = this.stamp();
    const ttl = Math.max(MIN_MARK_LIFE_MS, this.longestLife);
    await withTimeout(this.cache.mset(marks.map((mark) => ({ key: this.markKey(mark), value, ttl }))), this.timeoutMs);
  }

  /** The cache was handed to us; whoever made it closes it. */
  async close(): Promise<void> {}

  private markKey(mark: string): string {
    return `${this.markBase}__mark:${mark}`;
  }
}

function isAtOrAfter(stamp: unknown, created: number): boolean {
  return typeof stamp === 'number' && voids(stamp, created);
}

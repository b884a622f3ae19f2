import type { Cache } from 'cache-manager';
import { TOMBSTONE_LIFE_MS } from '../cache-memoize.constants.js';
import { entryCodec } from '../serialization/entry-codec.js';
import { withTimeout } from '../utils/with-timeout.js';
import { tagMark, voids } from './marks.js';
import {
  type EntryScope,
  isUsableEntry,
  latestStamp,
  type MemoStore,
  ResultKind,
  type StoredEntry,
} from './memo-store.interface.js';

/**
 * Any cache-manager `Cache` as an alias. Entries are encoded (see entry-codec), and
 * invalidation marks are plain keys of the same cache holding a stamp, read with the
 * entry in one `mget`, so invalidating a tag or prefix is one write.
 *
 * A `Cache` has no atomic compare, so this store does what it can with plain reads and
 * writes: a mark that is missing or unreadable voids (an evicted mark never revives an
 * entry), a write first reads the key and the marks and is refused when a later entry, a
 * tombstone or a mark says so, and `delete` leaves a tombstone. What a concurrent write
 * can slip into the gap between that read and the write is not covered; nor are stamps of
 * different hosts (each process stamps with its own clock). See the README's guarantees.
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
    const [raw, ...stamps] = await this.call(this.cache.mget<unknown>(keys));
    const entry = decode(raw);
    if (!entry || entry.kind === ResultKind.Tombstone || entry.staleUntil <= Date.now()) return undefined;
    if (anyVoids(stamps, entry.created)) return undefined;
    if (entry.tags?.length) {
      const tagStamps = await this.call(this.cache.mget<unknown>(entry.tags.map((tag) => this.tagKey(tag))));
      if (anyVoids(tagStamps, entry.created)) return undefined;
    }
    return entry;
  }

  /** Microseconds since the epoch, strictly increasing within this process. */
  stamp(): number {
    this.lastStamp = Math.max(Date.now() * 1_000, this.lastStamp + 1);
    return this.lastStamp;
  }

  /** An entry already expired is not stored (false); for a refresh (`replaces`) the key is dropped, so the value it replaced goes. */
  async set(key: string, entry: StoredEntry, scope: EntryScope, replaces = false): Promise<boolean> {
    const life = entry.staleUntil - Date.now();
    if (life <= 0) {
      if (replaces) await this.delete(key);
      // Not checked against any mark or tombstone: callers that joined its execution read again.
      return false;
    }
    if (life > this.longestLife) this.longestLife = life;
    const markKeys = scope.marks.map((mark) => this.markKey(mark));
    for (const tag of entry.tags ?? []) markKeys.push(this.tagKey(tag));
    const [raw, ...stamps] = await this.call(this.cache.mget<unknown>([key, ...markKeys]));
    const existing = decode(raw);
    if (existing !== undefined && existing.created >= entry.created) return false;
    const missing: Array<{ key: string; value: number; ttl: number }> = [];
    for (let i = 0; i < stamps.length; i++) {
      const stamp = stamps[i];
      if (typeof stamp !== 'number') missing.push({ key: markKeys[i], value: entry.created - 1, ttl: life });
      else if (voids(stamp, entry.created)) return false;
    }
    if (missing.length) await this.call(this.cache.mset(missing));
    await this.call(this.cache.set(key, entryCodec.encode(entry), life));
    return true;
  }

  /** A tombstone, so a computation that started before cannot store its result (as far as a plain read can tell). */
  async delete(key: string): Promise<void> {
    const created = this.stamp();
    const until = Date.now() + TOMBSTONE_LIFE_MS;
    const tombstone = { value: undefined, kind: ResultKind.Tombstone, created, freshUntil: until, staleUntil: until };
    await this.call(this.cache.set(key, entryCodec.encode(tombstone), TOMBSTONE_LIFE_MS));
  }

  /** Marks live as long as the longest entry this process stored; one that expires sooner only voids early. */
  async invalidate(marks: readonly string[]): Promise<void> {
    const value = this.stamp();
    const ttl = Math.max(TOMBSTONE_LIFE_MS, this.longestLife);
    await this.call(this.cache.mset(marks.map((mark) => ({ key: this.markKey(mark), value, ttl }))));
  }

  /** The cache was handed to us; whoever made it closes it. */
  async close(): Promise<void> {}

  private call<T>(promise: Promise<T>): Promise<T> {
    return withTimeout(promise, this.timeoutMs);
  }

  private markKey(mark: string): string {
    return `${this.markBase}__mark:${mark}`;
  }

  private tagKey(tag: string): string {
    return this.markKey(tagMark(tag));
  }
}

/** An entry or tombstone this store wrote; anything else (damaged, foreign, from the future) reads as none. */
function decode(raw: unknown): StoredEntry | undefined {
  let entry: unknown;
  try {
    entry = entryCodec.decode<StoredEntry>(raw);
  } catch {
    return undefined;
  }
  // Its stamps are this host's wall clock, in µs (see stamp).
  return isUsableEntry(entry, latestStamp(Date.now() * 1_000), true) ? entry : undefined;
}

/** A missing or unreadable mark voids as well: it may have been evicted. */
function anyVoids(stamps: unknown[], created: number): boolean {
  for (const stamp of stamps) if (typeof stamp !== 'number' || voids(stamp, created)) return true;
  return false;
}

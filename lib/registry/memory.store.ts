import { LRUCache } from 'lru-cache';
import type { EntryScope, MemoStore, StoredEntry } from './memo-store.interface.js';

interface Mark {
  stamp: number;
  at: number;
}

const PRUNE_FLOOR = 1_024;

/**
 * The default alias: a bounded LRU in this process. Entries are kept as objects, never
 * encoded, and read synchronously: the memoizer's hit path costs one Map lookup and a
 * clock read. Invalidations bump a counter; an entry is void when a mark it carries was
 * bumped at or after the stamp it was created with, so a tag or prefix costs one write
 * to invalidate, whatever the number of entries.
 */
export class MemoryMemoStore implements MemoStore {
  /** Shared with the alias's cache-manager `Cache`, so both count against `max`. */
  readonly lru: LRUCache<string, object | string>;
  private clock = 0;
  private readonly marks = new Map<string, Mark>();
  private longestLife = 0;
  private pruneAt = PRUNE_FLOOR;

  constructor(
    readonly alias: string,
    max: number,
  ) {
    this.lru = new LRUCache<string, object | string>({ max });
  }

  get(key: string, scope: EntryScope, now = Date.now()): StoredEntry | undefined {
    const entry = this.lru.get(key) as StoredEntry | undefined;
    if (entry === undefined) return undefined;
    if (entry.staleUntil <= now || (entry.created <= this.clock && this.isVoided(entry, scope))) {
      this.lru.delete(key);
      return undefined;
    }
    return entry;
  }

  stamp(): number {
    return this.clock + 1;
  }

  set(key: string, entry: StoredEntry): void {
    const life = entry.staleUntil - Date.now();
    if (life > this.longestLife) this.longestLife = life;
    this.lru.set(key, entry);
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  invalidate(marks: readonly string[]): void {
    const mark = { stamp: ++this.clock, at: Date.now() };
    for (const name of marks) this.marks.set(name, mark);
    if (this.marks.size > this.pruneAt) this.prune();
  }

  async close(): Promise<void> {
    this.lru.clear();
    this.marks.clear();
  }

  private isVoided(entry: StoredEntry, scope: EntryScope): boolean {
    for (const name of scope.marks) {
      if ((this.marks.get(name)?.stamp ?? 0) >= entry.created) return true;
    }
    if (entry.tags) {
      for (const tag of entry.tags) {
        if ((this.marks.get(`tag:${tag}`)?.stamp ?? 0) >= entry.created) return true;
      }
    }
    return false;
  }

  /** A mark older than the longest-lived entry can no longer void anything. */
  private prune(): void {
    const horizon = Date.now() - this.longestLife;
    for (const [name, mark] of this.marks) if (mark.at < horizon) this.marks.delete(name);
    this.pruneAt = Math.max(PRUNE_FLOOR, this.marks.size * 2);
  }
}

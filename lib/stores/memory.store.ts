import { LRUCache } from 'lru-cache';
import { TOMBSTONE_LIFE_MS } from '../cache-memoize.constants.js';
import { tagMark, voids } from './marks.js';
import { type EntryScope, type MemoStore, ResultKind, type StoredEntry } from './memo-store.interface.js';

interface Mark {
  stamp: number;
  at: number;
}

const PRUNE_FLOOR = 1_024;

/**
 * The default alias: a bounded LRU in this process. Entries are kept as objects, never
 * encoded, and read synchronously: the memoizer's hit path costs one Map lookup and a
 * clock read. Stamps and invalidation marks come from one counter, so they are never
 * equal: an entry is void when a mark it is checked against was set after its computation
 * started (the rule of marks.ts), and a tag or prefix costs one write to invalidate, whatever the number of
 * entries. A write never replaces an entry (or a deleted key's tombstone) computed later.
 */
export class MemoryMemoStore implements MemoStore {
  /** Shared with the alias's cache-manager `Cache`, so both count against `max`. */
  readonly lru: LRUCache<string, object | string>;
  /** Hands out every stamp and mark. */
  private sequence = 0;
  /** The mark set last: an entry created after it cannot be void, and is not checked. */
  private lastMark = 0;
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
    if (entry.staleUntil <= now || (voids(this.lastMark, entry.created) && this.isVoided(entry, scope))) {
      this.lru.delete(key);
      return undefined;
    }
    return entry.kind === ResultKind.Tombstone ? undefined : entry;
  }

  stamp(): number {
    return ++this.sequence;
  }

  /** Unless a later computation (or a delete) got there first, or the entry was voided while it was computed. */
  set(key: string, entry: StoredEntry, scope: EntryScope): void {
    const existing = this.lru.peek(key) as StoredEntry | undefined;
    if (existing !== undefined && existing.created > entry.created) return;
    if (voids(this.lastMark, entry.created) && this.isVoided(entry, scope)) return;
    const life = entry.staleUntil - Date.now();
    if (life > this.longestLife) this.longestLife = life;
    this.lru.set(key, entry);
  }

  /** Leaves a tombstone for a while, so a computation that started before cannot store its result. */
  delete(key: string): void {
    const until = Date.now() + TOMBSTONE_LIFE_MS;
    const created = ++this.sequence;
    this.lru.set(key, { value: undefined, kind: ResultKind.Tombstone, created, freshUntil: until, staleUntil: until });
  }

  invalidate(marks: readonly string[]): void {
    const mark = { stamp: ++this.sequence, at: Date.now() };
    this.lastMark = mark.stamp;
    for (const name of marks) this.marks.set(name, mark);
    if (this.marks.size > this.pruneAt) this.prune();
  }

  async close(): Promise<void> {
    this.lru.clear();
    this.marks.clear();
  }

  private isVoided(entry: StoredEntry, scope: EntryScope): boolean {
    for (const name of scope.marks) {
      if (voids(this.marks.get(name)?.stamp, entry.created)) return true;
    }
    if (entry.tags) {
      for (const tag of entry.tags) {
        if (voids(this.marks.get(tagMark(tag))?.stamp, entry.created)) return true;
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

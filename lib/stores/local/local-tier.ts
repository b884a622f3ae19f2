import { LRUCache } from 'lru-cache';
import { voidedBy, voids } from '../marks.js';
import { type EntryScope, ResultKind, type StoredEntry } from '../memo-store.interface.js';

/**
 * The local tier of a two-tier alias: copies of Redis entries in this process, read
 * synchronously. It applies the invalidations the bus brings with the rule of marks.ts, on
 * the same stamps (the Redis clock of the marks), so a copy is void exactly when the Redis
 * entry it came from is. Its marks are bounded: past `max` of them, every mark is folded
 * into one floor that voids whatever was created before the newest (voiding too much costs a
 * read of Redis, never a stale value).
 *
 * `generation` changes with every key invalidated or refreshed and every gap in hearing
 * invalidations: a Redis read begun under an older generation is not kept, which closes the
 * race of a value read just before an invalidation and kept just after it (for marks, the
 * marks themselves close it).
 */
export class LocalTier {
  generation = 0;
  /** Changes with every invalidation applied and every gap: executions begun under another value are not joined. */
  heard = 0;
  private readonly lru: LRUCache<string, StoredEntry>;
  private readonly marks = new Map<string, number>();
  /** The newest mark applied: an entry created after it cannot be void and is not checked. */
  private lastMark = 0;
  /** Marks folded away: everything created at or before it is void. */
  private floor = 0;

  constructor(
    private readonly max: number,
    /** The longest a copy is served before Redis is asked again; undefined: the entry's own ttl. */
    private readonly ttlMs: number | undefined,
  ) {
    this.lru = new LRUCache<string, StoredEntry>({ max });
  }

  get(key: string, scope: EntryScope, now: number): StoredEntry | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined) return undefined;
    if (entry.staleUntil <= now || (voids(this.lastMark, entry.created) && this.isVoided(entry, scope))) {
      this.lru.delete(key);
      return undefined;
    }
    return entry.kind === ResultKind.Tombstone ? undefined : entry;
  }

  /** Keeps a copy, unless a newer one (or a newer value's announcement) is here, or it was voided meanwhile. */
  keep(key: string, entry: StoredEntry, scope: EntryScope): void {
    const existing = this.lru.peek(key);
    if (existing !== undefined && existing.created > entry.created) return;
    if (voids(this.lastMark, entry.created) && this.isVoided(entry, scope)) return;
    const life = Math.min(entry.staleUntil - Date.now(), this.ttlMs ?? Infinity);
    if (life <= 0) return;
    this.lru.set(key, this.ttlMs === undefined ? entry : { ...entry, staleUntil: Date.now() + life });
  }

  /**
   * Another process stored a value computed from `created`: older copies go, and a copy
   * read from Redis before that value landed cannot be kept after.
   */
  replaced(key: string, created: number): void {
    const existing = this.lru.peek(key);
    if (existing !== undefined && existing.created >= created) return;
    const until = Date.now() + 60_000;
    this.lru.set(key, { value: undefined, kind: ResultKind.Tombstone, created, freshUntil: until, staleUntil: until });
  }

  /** Another process refreshed `key` with a value computed from `created`: as `replaced`, and a read begun before is not kept. */
  refreshed(key: string, created: number): void {
    this.generation++;
    this.heard++;
    this.replaced(key, created);
  }

  /** One key was invalidated. */
  drop(key: string): void {
    this.generation++;
    this.heard++;
    this.lru.delete(key);
  }

  /**
   * Marks stamped `stamp` on the Redis clock (tags as `tag:x`, prefixes as `prefix:x`, all as
   * `*`). The generation stays: a value read before them was created before them, so the
   * marks void it when it is kept, and reads of other keys go on filling the tier.
   */
  mark(names: readonly string[], stamp: number): void {
    this.heard++;
    for (const name of names) if (!(this.marks.get(name)! >= stamp)) this.marks.set(name, stamp);
    if (stamp > this.lastMark) this.lastMark = stamp;
    if (this.marks.size > this.max) {
      this.floor = this.lastMark;
      this.marks.clear();
    }
  }

  /** A gap in hearing invalidations: nothing kept before it may be served. */
  clear(): void {
    this.generation++;
    this.heard++;
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  private isVoided(entry: StoredEntry, scope: EntryScope): boolean {
    return voidedBy(entry, scope, this.floor, this.stampOf);
  }

  private readonly stampOf = (name: string) => this.marks.get(name);
}

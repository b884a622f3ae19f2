import { LRUCache } from 'lru-cache';
import { TOMBSTONE_LIFE_MS } from '../cache-memoize.constants.js';
import { voidedBy, voids } from './marks.js';
import { type EntryScope, type MemoStore, ResultKind, type StoredEntry } from './memo-store.interface.js';

interface Mark {
  stamp: number;
  at: number;
}

/** The marks kept never fall below this many, however small `max` is. */
const MARKS_FLOOR = 1_024;

/**
 * The default alias: a bounded LRU in this process. Entries are kept as objects, never
 * encoded, and read synchronously: the memoizer's hit path costs one Map lookup and a
 * clock read. Stamps and invalidation marks come from one counter, so they are never
 * equal: an entry is void when a mark it is checked against was set after its computation
 * started (the rule of marks.ts), and a tag or prefix costs one write to invalidate,
 * whatever the number of entries. A write never replaces an entry (or a deleted key's
 * tombstone) computed later.
 *
 * What invalidation keeps is bounded by `max`: at most `max` marks (and never fewer than
 * 1,024). Neither a mark nor a tombstone that goes revives anything: a mark the LRU drops
 * or prune() lets go raises `voidedUpTo` to its stamp (every entry created before it is void,
 * not only those it named), and a tombstone dropped, expired or replaced raises `deletedUpTo`,
 * below which no result may land on a key that holds nothing; so does a refresh, whose entry
 * may go too.
 */
export class MemoryMemoStore implements MemoStore {
  /** Shared with the alias's cache-manager `Cache`, so both count against `max`. */
  readonly lru: LRUCache<string, object | string>;
  /** Hands out every stamp and mark. */
  private sequence = 0;
  /** The mark set last: an entry created after it cannot be void, and is not checked. */
  private lastMark = 0;
  private readonly marks: LRUCache<string, Mark>;
  /** The stamp of the latest mark the LRU dropped or prune() let go: it voids like a mark on every entry. */
  private voidedUpTo = 0;
  /** The stamp of the latest tombstone that went (dropped, expired, replaced), or just below the latest refresh's. */
  private deletedUpTo = 0;
  private longestLife = 0;

  constructor(
    readonly alias: string,
    max: number,
  ) {
    this.lru = new LRUCache<string, object | string>({
      max,
      dispose: (value) => {
        // Pushed out, expired or replaced: it still keeps older computations out. Replaced too,
        // since the entry that replaced it may go in turn (pushed out, expired), leaving the key empty.
        if (isTombstone(value) && value.created > this.deletedUpTo) this.deletedUpTo = value.created;
      },
    });
    this.marks = new LRUCache<string, Mark>({
      max: Math.max(MARKS_FLOOR, max),
      dispose: (mark, _name, reason) => {
        if (reason === 'evict' && mark.stamp > this.voidedUpTo) this.voidedUpTo = mark.stamp;
      },
    });
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

  /** `exact`: a refresh, which keeps older results off empty keys from now on (see MemoStore.stamp). */
  stamp(exact = false): number {
    const stamp = ++this.sequence;
    if (exact && stamp - 1 > this.deletedUpTo) this.deletedUpTo = stamp - 1;
    return stamp;
  }

  /**
   * Unless a later computation (or a delete) got there first, or the entry was voided while it
   * was computed. An entry already expired is kept all the same: it replaces the older one, as
   * a refresh needs, and reads as a miss.
   */
  set(key: string, entry: StoredEntry, scope: EntryScope): boolean {
    const existing = this.lru.peek(key) as StoredEntry | undefined;
    if (existing === undefined ? voids(this.deletedUpTo, entry.created) : existing.created > entry.created)
      return false;
    if (voids(this.lastMark, entry.created) && this.isVoided(entry, scope)) return false;
    const life = entry.staleUntil - Date.now();
    if (life > this.longestLife) this.longestLife = life;
    this.lru.set(key, entry);
    return true;
  }

  /** Leaves a tombstone for a while, so a computation that started before cannot store its result. */
  delete(key: string): void {
    const until = Date.now() + TOMBSTONE_LIFE_MS;
    const created = ++this.sequence;
    this.lru.set(key, { value: undefined, kind: ResultKind.Tombstone, created, freshUntil: until, staleUntil: until });
  }

  invalidate(names: readonly string[]): void {
    const mark = { stamp: ++this.sequence, at: Date.now() };
    this.lastMark = mark.stamp;
    for (const name of names) this.marks.set(name, mark);
    if (this.marks.size === this.marks.max) this.prune(mark.at);
  }

  async close(): Promise<void> {
    this.lru.clear();
    this.marks.clear();
  }

  private isVoided(entry: StoredEntry, scope: EntryScope): boolean {
    return voidedBy(entry, scope, this.voidedUpTo, this.stampOf);
  }

  private readonly stampOf = (name: string) => this.marks.peek(name)?.stamp;

  /**
   * A mark older than the longest-lived entry no longer voids any stored entry, but a
   * computation still running may have begun before it: `voidedUpTo` rises to the newest mark
   * pruned, so that computation's result is refused. What it voids beyond that is entries
   * whose computation began before the mark and ran longer than `longestLife` ago: rare.
   */
  private prune(now: number): void {
    const horizon = now - this.longestLife;
    const expired: string[] = [];
    let newest = 0;
    for (const name of this.marks.rkeys()) {
      const mark = this.marks.peek(name)!;
      if (mark.at >= horizon) break;
      expired.push(name);
      if (mark.stamp > newest) newest = mark.stamp;
    }
    for (const name of expired) this.marks.delete(name);
    if (newest > this.voidedUpTo) this.voidedUpTo = newest;
  }
}

function isTombstone(value: unknown): value is StoredEntry {
  return (value as StoredEntry | undefined)?.kind === ResultKind.Tombstone;
}

import type { DistributedLocks } from './distributed-locks.interface.js';

/** How a cached value is replayed. */
export const enum ResultKind {
  /** Resolved by a Promise. */
  Value = 0,
  /** The last value of an Observable. */
  Observable = 1,
  /** An Observable that completed without a value. */
  EmptyObservable = 2,
  /** No value: the key was deleted, and older computations must not store theirs. */
  Tombstone = 3,
}

/** One memoized result, as the stores keep it. */
export interface StoredEntry {
  value: unknown;
  kind: ResultKind;
  /** Store stamp taken when the miss began: a tag, prefix or alias invalidated after it voids the entry. */
  created: number;
  /** Epoch ms until which the entry is fresh (its ttl). */
  freshUntil: number;
  /** Epoch ms until which it may still be served stale (`staleIfError`); at least `freshUntil`. */
  staleUntil: number;
  /** Epoch ms after which a hit triggers a background refresh (`refreshAfter`). */
  refreshAt?: number;
  tags?: readonly string[];
}

/**
 * The marks an entry is checked against besides its own tags: the whole alias and each
 * level of its prefix. Built once per method at bootstrap.
 */
export interface EntryScope {
  readonly marks: readonly string[];
}

/**
 * What the memoizer needs of a cache alias. The memory store answers synchronously, so a
 * hit costs no Promise of its own; other stores answer with Promises.
 */
export interface MemoStore {
  readonly alias: string;
  /**
   * The entry at `key`, unless missing, past `staleUntil` or voided by an invalidation.
   * `now` is the caller's clock reading, so that a memory hit reads the clock only once.
   */
  get(key: string, scope: EntryScope, now?: number): StoredEntry | undefined | Promise<StoredEntry | undefined>;
  /**
   * The stamp to put in `created` for a computation starting now: never later than the
   * store's present, so an invalidation after it voids the result. `exact` (for a refresh)
   * asks for one that is also after every stamp and mark set before, at the cost of a
   * round trip where the store is remote; and, as a delete does, it keeps every result
   * computed before it off a key that holds nothing from then on: the refreshed entry keeps
   * older results out only while it is there, and it expires or is evicted.
   */
  stamp(exact?: boolean): number | Promise<number>;
  /**
   * Stores `entry`, unless the store holds one computed later, a tombstone set after it
   * began, or a mark voids it: then false, and nothing changes (where the store can tell).
   * True means the entry was checked against every invalidation that reached the store, so
   * callers that joined its execution may take it; a store that skips an entry already
   * expired answers false.
   * `replaces` (a refresh): resolve only once no process can serve the value it replaced.
   */
  set(key: string, entry: StoredEntry, scope: EntryScope, replaces?: boolean): boolean | Promise<boolean>;
  /**
   * Drops the entry, and where the store can, keeps computations that began before from
   * storing theirs for a while (a tombstone). Rejects when it did not take effect.
   */
  delete(key: string): void | Promise<void>;
  /** Voids every entry carrying one of `marks` (tags as `tag:x`, prefixes as `prefix:x`, all as `*`). */
  invalidate(marks: readonly string[]): void | Promise<void>;
  /**
   * Two-tier aliases: which invalidations this process has heard so far (NaN while it cannot
   * hear them). A computation begun under another answer is not joined: an invalidation it
   * did not see may have resolved since, in another process.
   */
  joinEpoch?(): number;
  /**
   * Two-tier aliases: a refresh took the entry another process stored under `key` (created
   * at or after the refresh began, under `lock: 'distributed'`) instead of storing its own.
   * Resolves, as `set` with `replaces` does, once no process can serve a copy older than it.
   */
  adopted?(key: string, created: number): Promise<void>;
  /** Releases what the store opened; called on application shutdown. */
  close(): Promise<void>;
  /** Locks shared with other processes, for `lock: 'distributed'`; only stores shared across processes have them. */
  readonly locks?: DistributedLocks;
}

/** A stamp further ahead of the present than this was not issued by any clock of ours: the entry is damaged. */
const FUTURE_SLACK_US = 3_600_000_000;

/** The latest creation stamp (µs) an entry may carry, given the present on the clock that issues the stamps (µs). */
export function latestStamp(presentUs: number): number {
  return presentUs + FUTURE_SLACK_US;
}

/**
 * Whether what a store decoded is an entry it may use: anything else (a body that decodes
 * to `null`, a stamp later than `latestCreated`, see latestStamp, or fields of the wrong
 * type) is treated as no entry, so the next result replaces it instead of being refused or
 * bypassed for good. The memory store's counter is never checked. `tombstones` accepts a
 * tombstone as well.
 */
export function isUsableEntry(value: unknown, latestCreated: number, tombstones = false): value is StoredEntry {
  if (typeof value !== 'object' || value === null) return false;
  const { created, freshUntil, staleUntil, kind } = value as StoredEntry;
  return (
    typeof created === 'number' &&
    created <= latestCreated &&
    typeof freshUntil === 'number' &&
    typeof staleUntil === 'number' &&
    (kind === ResultKind.Value ||
      kind === ResultKind.Observable ||
      kind === ResultKind.EmptyObservable ||
      (tombstones && kind === ResultKind.Tombstone))
  );
}

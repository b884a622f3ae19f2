/**
 * What the conformance apps memoize, and which entries each invalidation covers. The
 * checker and the services both read this file, so a call's tags and the checker's idea
 * of what `invalidateTags` voids cannot drift apart.
 */
import type { Random } from './random.js';

/** Rows of the source of truth; few, so callers and invalidations meet on the same keys. */
export const ROWS = 8;

export const METHODS = ['Inventory.item', 'Inventory.price', 'Inventory.stock', 'Ledger.total'] as const;
export type MethodId = (typeof METHODS)[number];

/** What a memoized method returns: the row it read, its version then, and when the computation began. */
export interface Reading {
  method: MethodId;
  id: number;
  version: number;
  /** Position of the computation's start in the run's one sequence of events. */
  seq: number;
  /** The process (lane) the computation ran in. */
  lane: number;
  /** The row was deleted: Inventory.stock's `unless` keeps such a result out of the cache. */
  deleted: boolean;
  /** The ttl Inventory.stock's ttl function answers; now and then 1 ms, so its entry expires at once. */
  ttlMs?: number;
}

/** The tags each method's entries carry (Ledger.total has none: untagged entries take another read path). */
export function tagsOf(method: MethodId, id: number): string[] {
  if (method === 'Inventory.item') return [`row:${id}`, `shard:${id % 3}`];
  if (method === 'Inventory.price' || method === 'Inventory.stock') return [`row:${id}`];
  return [];
}

/** A ttl short enough that Inventory.stock's entry expires at once (before, or just after, it reaches the store). */
export const SHORT_TTL_MS = 1;

/**
 * Inventory.stock's `refreshAfter`: a hit on an entry older than this returns it and recomputes it
 * in the background. Short, so most of its hits start one; a recompute whose result is not kept
 * (a deleted row, a 1 ms ttl) must drop the entry it outdated (see BackgroundRefresh).
 */
export const STOCK_REFRESH_AFTER_MS = 10;

/** Whether the cache keeps `reading` for long: not a deleted row of Inventory.stock (`unless`), nor a 1 ms one. */
export function isKept(reading: Reading): boolean {
  return reading.method !== 'Inventory.stock' || (!reading.deleted && reading.ttlMs !== SHORT_TTL_MS);
}

/** Every prefix level of a method's entries, widest first. */
export function prefixesOf(method: MethodId): string[] {
  return [method.slice(0, method.indexOf('.')), method];
}

export const INVALIDATION_KINDS = [
  'invalidate',
  'refresh',
  'invalidateTags',
  'invalidatePrefix',
  'invalidateAll',
] as const;
export type InvalidationKind = (typeof INVALIDATION_KINDS)[number];

export type Invalidation =
  | { kind: 'invalidate' | 'refresh'; method: MethodId; id: number }
  | { kind: 'invalidateTags'; tags: string[] }
  | { kind: 'invalidatePrefix'; prefix: string }
  | { kind: 'invalidateAll' };

/**
 * Not an invalidation the checker makes, but one the cache makes itself: a `refreshAfter`
 * recompute in the background (of Inventory.stock) whose result the cache does not keep. Once
 * it has landed, its key must not return a value computed before it: the entry it outdated is
 * dropped, as refresh() drops it.
 */
export interface BackgroundRefresh {
  kind: 'refreshAfter';
  method: MethodId;
  id: number;
}

/** What a call's floor (the latest invalidation it must respect) can be. */
export type FloorKind = InvalidationKind | BackgroundRefresh['kind'];

/** Whether `invalidation` voids the entry of `method(id)`. */
export function covers(invalidation: Invalidation, method: MethodId, id: number): boolean {
  switch (invalidation.kind) {
    case 'invalidate':
    case 'refresh':
      return invalidation.method === method && invalidation.id === id;
    case 'invalidateTags':
      return tagsOf(method, id).some((tag) => invalidation.tags.includes(tag));
    case 'invalidatePrefix':
      return prefixesOf(method).includes(invalidation.prefix);
    case 'invalidateAll':
      return true;
  }
}

/** A random invalidation of `kind` over the model's methods, rows and tags. */
export function randomInvalidation(kind: InvalidationKind, random: Random): Invalidation {
  const id = random.int(0, ROWS - 1);
  switch (kind) {
    case 'invalidate':
    case 'refresh':
      return { kind, method: random.pick(METHODS), id };
    case 'invalidateTags':
      return { kind, tags: random.chance(0.7) ? [`row:${id}`] : [`shard:${id % 3}`, `row:${random.int(0, ROWS - 1)}`] };
    case 'invalidatePrefix':
      return { kind, prefix: random.pick(prefixesOf(random.pick(METHODS))) };
    case 'invalidateAll':
      return { kind };
  }
}

/** The rows an application would have written before making this invalidation. */
export function rowsWrittenBefore(invalidation: Invalidation, random: Random): number[] {
  switch (invalidation.kind) {
    case 'invalidate':
    case 'refresh':
      return [invalidation.id];
    case 'invalidateTags':
      return Array.from({ length: ROWS }, (_, id) => id).filter((id) =>
        invalidation.tags.some((tag) => tag === `row:${id}` || tag === `shard:${id % 3}`),
      );
    default:
      return [random.int(0, ROWS - 1)];
  }
}

export function describeInvalidation(invalidation: Invalidation | BackgroundRefresh): string {
  switch (invalidation.kind) {
    case 'invalidate':
    case 'refresh':
      return `${invalidation.kind}(${invalidation.method}, ${invalidation.id})`;
    case 'refreshAfter':
      return `a background refresh of ${invalidation.method}(${invalidation.id}) that kept nothing`;
    case 'invalidateTags':
      return `invalidateTags(${invalidation.tags.join(', ')})`;
    case 'invalidatePrefix':
      return `invalidatePrefix(${invalidation.prefix})`;
    case 'invalidateAll':
      return 'invalidateAll()';
  }
}

import type { EntryScope, StoredEntry } from './memo-store.interface.js';

/**
 * Invalidation marks: the one home of the rule every store applies.
 *
 * A mark is a stamp set on a name (`*` for the whole alias, `prefix:x`, `tag:x`) when it is
 * invalidated. An entry is checked against the marks of its scope and of its tags, and
 * **a mark stamped at or after the entry's `created` voids it**. Stamps and marks of one
 * store come from one source (a counter in memory; on Redis the same Lua clock that issues
 * both, see redis/lua/library.ts), so "at or after" is exact: a computation whose stamp is not
 * strictly later than a mark may have read data from before the invalidation.
 */
export const ALL_MARK = '*';
export const tagMark = (tag: string): string => `tag:${tag}`;
export const prefixMark = (prefix: string): string => `prefix:${prefix}`;

/** The rule: true when `mark` (a stamp, or none) voids an entry created at `created`. */
export function voids(mark: number | undefined, created: number): boolean {
  return mark !== undefined && mark >= created;
}

/**
 * Whether a mark of the entry's scope or of its tags voids it. `stampOf` reads a store's
 * mark by name; `floor` voids like a mark on every entry (what a store that dropped marks
 * to stay bounded remembers of them).
 */
export function voidedBy(
  entry: StoredEntry,
  scope: EntryScope,
  floor: number,
  stampOf: (name: string) => number | undefined,
): boolean {
  if (voids(floor, entry.created)) return true;
  for (const name of scope.marks) if (voids(stampOf(name), entry.created)) return true;
  if (entry.tags) for (const tag of entry.tags) if (voids(stampOf(tagMark(tag)), entry.created)) return true;
  return false;
}

/** The marks of a method with this prefix: the alias, then each `.`/`:`-separated level. */
export function scopeOf(prefix: string): EntryScope {
  const marks = [ALL_MARK];
  for (let i = 0; i < prefix.length; i++) {
    if (prefix[i] === '.' || prefix[i] === ':') marks.push(prefixMark(prefix.slice(0, i)));
  }
  marks.push(prefixMark(prefix));
  return { marks };
}

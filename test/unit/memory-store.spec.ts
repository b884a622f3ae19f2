import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { MemoryMemoStore } from '../../lib/stores/memory.store.js';
import { scopeOf, tagMark } from '../../lib/stores/marks.js';
import { ResultKind, type StoredEntry } from '../../lib/stores/memo-store.interface.js';

const scope = scopeOf('Users.get');
const entry = (created: number, tags: string[], ttlMs = 100): StoredEntry => {
  const now = Date.now();
  return { value: 'old', kind: ResultKind.Value, created, freshUntil: now + ttlMs, staleUntil: now + ttlMs, tags };
};

describe('the memory store', () => {
  it('does not store a result whose tag was invalidated while it was computed, so pruning marks cannot revive it', async () => {
    const store = new MemoryMemoStore('default', 10_000);
    const started = store.stamp();
    store.invalidate([tagMark('user:1')]);
    await sleep(50); // the method outlives... nothing yet: entries of 100 ms
    expect(store.set('k', entry(started, ['user:1']), scope)).toBe(false);
    for (let i = 0; i < 10_001; i++) store.invalidate([tagMark(`other:${i}`)]); // fills the marks: they are pruned
    expect(store.get('k', scope)).toBeUndefined();
  });

  it('never replaces an entry computed later, nor a tombstone left by delete', () => {
    const store = new MemoryMemoStore('default', 10_000);
    const older = store.stamp();
    const newer = store.stamp();
    expect(store.set('k', { ...entry(newer, []), value: 'new' }, scope)).toBe(true);
    expect(store.set('k', entry(older, []), scope)).toBe(false);
    expect(store.get('k', scope)?.value).toBe('new');
    const beforeDelete = store.stamp();
    store.delete('k');
    store.set('k', entry(beforeDelete, []), scope);
    expect(store.get('k', scope)).toBeUndefined();
    store.set('k', { ...entry(store.stamp(), []), value: 'after' }, scope);
    expect(store.get('k', scope)?.value).toBe('after');
  });

  it('keeps at most max(1,024, max) marks however many distinct tags are invalidated, voiding what a dropped mark voided', () => {
    const store = new MemoryMemoStore('default', 2_000);
    const early = store.stamp();
    store.set('tagged', entry(early, ['t:0'], 3_600_000), scope);
    store.set('untagged', entry(store.stamp(), [], 3_600_000), scope);
    store.invalidate([tagMark('t:0')]);
    const late = store.stamp();
    store.set('late', { ...entry(late, ['t:0'], 3_600_000), value: 'late' }, scope);
    for (let i = 1; i <= 100_000; i++) store.invalidate([tagMark(`t:${i}`)]);
    expect((store as unknown as { marks: Map<string, unknown> }).marks.size).toBeLessThanOrEqual(2_000);
    expect(store.get('tagged', scope)).toBeUndefined();
    // A dropped mark voids every entry created before it, tagged or not: a miss, never a stale hit.
    expect(store.get('untagged', scope)).toBeUndefined();
    expect(store.set('fresh', { ...entry(store.stamp(), ['t:0'], 3_600_000), value: 'fresh' }, scope)).toBe(true);
    expect(store.get('fresh', scope)?.value).toBe('fresh');
  });

  it('keeps a computation that began before a delete out once the tombstone has expired, however long it ran', () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const store = new MemoryMemoStore('default', 10_000);
      const started = store.stamp();
      store.delete('k');
      jest.setSystemTime(Date.now() + 6 * 60_000); // past the tombstone's 5 minutes
      expect(store.get('k', scope)).toBeUndefined(); // the expired tombstone goes
      expect(store.set('k', entry(started, []), scope)).toBe(false);
      expect(store.set('k', { ...entry(store.stamp(), []), value: 'new' }, scope)).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});

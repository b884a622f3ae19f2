import { setTimeout as sleep } from 'node:timers/promises';
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
    store.set('k', entry(started, ['user:1']), scope);
    for (let i = 0; i < 1_025; i++) store.invalidate([tagMark(`other:${i}`)]); // the 1,025th prunes
    expect(store.get('k', scope)).toBeUndefined();
  });

  it('never replaces an entry computed later, nor a tombstone left by delete', () => {
    const store = new MemoryMemoStore('default', 10_000);
    const older = store.stamp();
    const newer = store.stamp();
    store.set('k', { ...entry(newer, []), value: 'new' }, scope);
    store.set('k', entry(older, []), scope);
    expect(store.get('k', scope)?.value).toBe('new');
    const beforeDelete = store.stamp();
    store.delete('k');
    store.set('k', entry(beforeDelete, []), scope);
    expect(store.get('k', scope)).toBeUndefined();
    store.set('k', { ...entry(store.stamp(), []), value: 'after' }, scope);
    expect(store.get('k', scope)?.value).toBe('after');
  });
});

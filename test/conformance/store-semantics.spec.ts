import { InvalidationService } from '../../lib/index.js';
import { waitFor } from '../support/redis-server.js';
import { type ConformanceApp, startConformanceApp } from './support/conformance-app.js';
import { GatedSource } from './support/gated-source.js';
import { isPendingScenario } from './support/known-failures.js';
import { type Invalidation, INVALIDATION_KINDS, type InvalidationKind } from './support/model.js';
import { Inventory } from './support/services.js';
import { CONFORMANCE_STORES, type OpenedStore } from './support/stores.js';

/** One invalidation of each kind that covers Inventory.item(1). */
const COVERING: Record<InvalidationKind, Invalidation> = {
  invalidate: { kind: 'invalidate', method: 'Inventory.item', id: 1 },
  refresh: { kind: 'refresh', method: 'Inventory.item', id: 1 },
  invalidateTags: { kind: 'invalidateTags', tags: ['row:1'] },
  invalidatePrefix: { kind: 'invalidatePrefix', prefix: 'Inventory.item' },
  invalidateAll: { kind: 'invalidateAll' },
};

describe.each(CONFORMANCE_STORES)('store semantics on $name', (candidate) => {
  let store: OpenedStore | undefined;
  let conformance: ConformanceApp;
  let source: GatedSource;

  beforeAll(async () => {
    store = await candidate.open();
  }, 60_000);
  afterAll(() => store?.close());
  beforeEach(async () => {
    if (!store) return;
    source = new GatedSource();
    conformance = await startConformanceApp(store, { source });
  });
  afterEach(() => conformance?.close());

  /** A scenario every store must pass; one known to fail today (see known-failures.ts) is expected to fail until fixed. */
  const scenario = (name: string, id: string, test: () => Promise<void>) => {
    const pending = isPendingScenario(candidate.name, id);
    const body = async () => {
      if (!store) return;
      await test();
    };
    if (pending) it.failing(`${name} [known to fail: ${pending}]`, body, 30_000);
    else it(name, body, 30_000);
  };

  const seqOf = async (method: 'item' | 'price' | 'total', id: number) => {
    const { ops } = conformance;
    const name = method === 'total' ? 'Ledger.total' : (`Inventory.${method}` as const);
    return (await ops.call(name, id)).seq;
  };

  scenario('a miss runs the method once, and later calls hit what it stored', 'hit', async () => {
    const first = await seqOf('item', 1);
    expect(await seqOf('item', 1)).toBe(first);
    expect(await seqOf('total', 1)).not.toBe(first);
    expect(source.reads).toBe(2);
  });

  scenario("invalidate() drops one call's entry and leaves the others", 'invalidate', async () => {
    const [one, two] = [await seqOf('item', 1), await seqOf('item', 2)];
    await conformance.ops.invalidate(COVERING.invalidate);
    expect(await seqOf('item', 1)).not.toBe(one);
    expect(await seqOf('item', 2)).toBe(two);
  });

  scenario('invalidateTags drops the entries carrying a tag, and only those', 'tags', async () => {
    const before = [await seqOf('item', 1), await seqOf('item', 4), await seqOf('price', 1), await seqOf('total', 1)];
    await conformance.ops.invalidate({ kind: 'invalidateTags', tags: ['shard:1'] });
    const after = [await seqOf('item', 1), await seqOf('item', 4), await seqOf('price', 1), await seqOf('total', 1)];
    expect(after.map((seq, i) => seq === before[i])).toEqual([false, false, true, true]);
  });

  scenario('invalidatePrefix drops a method, or a whole class, and nothing else', 'prefix', async () => {
    const before = [await seqOf('item', 1), await seqOf('price', 1), await seqOf('total', 1)];
    await conformance.ops.invalidate({ kind: 'invalidatePrefix', prefix: 'Inventory.price' });
    const middle = [await seqOf('item', 1), await seqOf('price', 1), await seqOf('total', 1)];
    expect(middle.map((seq, i) => seq === before[i])).toEqual([true, false, true]);
    await conformance.ops.invalidate({ kind: 'invalidatePrefix', prefix: 'Inventory' });
    const after = [await seqOf('item', 1), await seqOf('price', 1), await seqOf('total', 1)];
    expect(after.map((seq, i) => seq === middle[i])).toEqual([false, false, true]);
  });

  scenario('invalidateAll drops every entry of the application', 'all', async () => {
    const before = [await seqOf('item', 1), await seqOf('price', 2), await seqOf('total', 3)];
    await conformance.ops.invalidate(COVERING.invalidateAll);
    const after = [await seqOf('item', 1), await seqOf('price', 2), await seqOf('total', 3)];
    expect(after.some((seq, i) => seq === before[i])).toBe(false);
  });

  scenario('refresh() computes now, stores and returns the new value', 'refresh', async () => {
    const old = await seqOf('item', 1);
    source.database.write(1);
    const refreshed = await conformance.ops.invalidate(COVERING.refresh);
    expect(refreshed).toMatchObject({ id: 1, version: 2 });
    expect(refreshed!.seq).toBeGreaterThan(old);
    expect(await seqOf('item', 1)).toBe(refreshed!.seq);
  });

  describe.each(INVALIDATION_KINDS)('once %s resolved, a computation that began before it', (kind) => {
    scenario('neither stores its result nor is joined by later calls', `in-flight:${kind}`, async () => {
      source.hold();
      const running = conformance.ops.call('Inventory.item', 1);
      await source.whenHeld();
      source.database.write(1);
      await conformance.ops.invalidate(COVERING[kind]);
      const later = conformance.ops.call('Inventory.item', 1);
      source.release();
      expect((await running).version).toBe(1);
      expect((await later).version).toBe(2);
      expect((await conformance.ops.call('Inventory.item', 1)).version).toBe(2);
    });
  });

  scenario('an invalidated entry stays void when the marks are evicted', 'evicted-marks', async () => {
    await seqOf('item', 1);
    const entryKey = conformance.app.get(InvalidationService).keyFor(Inventory, 'item', 1);
    source.database.write(1);
    await conformance.ops.invalidate(COVERING.invalidateTags);
    // What an allkeys-lru Redis may do: every key but the entry goes.
    await store!.evict(conformance.app, conformance.namespace, (key) => !key.endsWith(entryKey));
    expect((await conformance.ops.call('Inventory.item', 1)).version).toBe(2);
  });

  scenario(
    'a computation in flight cannot store its result when the tombstone of invalidate() is evicted',
    'evicted-tombstone',
    async () => {
      source.hold();
      const running = conformance.ops.call('Inventory.item', 1);
      await source.whenHeld();
      source.database.write(1);
      await conformance.ops.invalidate(COVERING.invalidate);
      await store!.evict(conformance.app, conformance.namespace, () => true);
      source.release();
      await running;
      expect((await conformance.ops.call('Inventory.item', 1)).version).toBe(2);
    },
  );

  scenario(
    'a computation in flight cannot store its result once the entry refresh() stored is gone (expired or evicted)',
    'refreshed-entry-gone',
    async () => {
      // A refresh leaves no tombstone: its entry is what keeps older results out, and an entry expires.
      // The entry's marks exist (a first result made them), and an invalidate() made the next call a miss.
      await seqOf('item', 1);
      await conformance.ops.invalidate(COVERING.invalidate);
      source.hold();
      const running = conformance.ops.call('Inventory.item', 1);
      await source.whenHeld();
      source.database.write(1);
      await conformance.ops.invalidate(COVERING.refresh);
      const entryKey = conformance.app.get(InvalidationService).keyFor(Inventory, 'item', 1);
      await store!.evict(conformance.app, conformance.namespace, (key) => key.endsWith(entryKey));
      source.release();
      await running;
      expect((await conformance.ops.call('Inventory.item', 1)).version).toBe(2);
    },
  );

  scenario("garbage under an entry's key is replaced by the next result", 'corrupt-entry', async () => {
    const key = conformance.app.get(InvalidationService).keyFor(Inventory, 'item', 1);
    await store!.writeRaw(conformance.app, store!.rawKey(conformance.namespace, key), 'not an entry');
    const first = await conformance.ops.call('Inventory.item', 1);
    expect(first).toMatchObject({ method: 'Inventory.item', id: 1 });
    expect((await conformance.ops.call('Inventory.item', 1)).seq).toBe(first.seq);
  });

  // A memory alias keeps its marks in a map of its own, out of reach.
  if (candidate.reachable)
    scenario('garbage in a mark is repaired by the next invalidation, never fatal', 'corrupt-mark', async () => {
      await seqOf('item', 1); // an entry, and with it the marks it depends on
      const marks: string[] = [];
      await store!.evict(conformance.app, conformance.namespace, (key) =>
        key.endsWith('row:1') ? !!marks.push(key) : false,
      );
      expect(marks).not.toEqual([]);
      for (const mark of marks) await store!.writeRaw(conformance.app, mark, 'garbage');
      const old = await seqOf('item', 1);
      await conformance.ops.invalidate(COVERING.invalidateTags);
      expect(await seqOf('item', 1)).not.toBe(old);
      // Repaired: cached again. The first result after an invalidation may be refused once
      // (a miss's stamp is an early estimate of the store's clock), so allow a few rounds.
      await waitFor(
        async () => (await seqOf('item', 1)) === (await seqOf('item', 1)),
        'the entry to be cached again',
        2_000,
      );
    });

  scenario('a store that refuses every call fails no call, and invalidations reject', 'refusing', async () => {
    conformance.faults.plan = { throwBefore: 1 };
    const first = await conformance.ops.call('Inventory.item', 1);
    expect((await conformance.ops.call('Inventory.item', 1)).seq).toBeGreaterThan(first.seq);
    for (const kind of ['invalidate', 'invalidateTags', 'invalidatePrefix', 'invalidateAll'] as const)
      await expect(conformance.ops.invalidate(COVERING[kind])).rejects.toThrow();
  });

  scenario('a call that joins a refresh() whose write fails still gets the value', 'refresh-write-fails', async () => {
    source.hold();
    const refreshing = conformance.ops.invalidate(COVERING.refresh);
    await source.whenHeld();
    const joining = conformance.ops.call('Inventory.item', 1);
    conformance.faults.plan = { throwBefore: 1, only: ['set'] };
    source.release();
    await expect(refreshing).rejects.toThrow(); // a refresh that did not take effect must not resolve
    expect(await joining).toMatchObject({ method: 'Inventory.item', id: 1 }); // but a call never fails on the store
  });

  /** Runs `test` with a second application on the same store and namespace, as a second process of the app would be. */
  const withOtherApp = async (test: (other: ConformanceApp) => Promise<void>) => {
    const other = await startConformanceApp(store!, { source, namespace: conformance.namespace });
    try {
      await test(other);
    } finally {
      await other.close();
    }
  };

  /** A call of Inventory.item(1) whose method is running, held until `source.release()` (wrapped: awaiting it would wait for the call). */
  const heldCall = async () => {
    source.hold();
    const running = conformance.ops.call('Inventory.item', 1);
    await source.whenHeld();
    return { running };
  };

  if (candidate.reachable)
    scenario(
      "a call that joins an execution begun before another application's invalidation gets the new value, even when that execution cannot store",
      'cross-app-join',
      () =>
        withOtherApp(async (other) => {
          const { running } = await heldCall();
          source.database.write(1);
          await other.ops.invalidate({ kind: 'invalidatePrefix', prefix: 'Inventory' });
          conformance.faults.plan = { throwBefore: 1, only: ['set'] };
          const reads = conformance.faults.answered.get;
          const joining = conformance.ops.call('Inventory.item', 1);
          await waitFor(() => conformance.faults.answered.get > reads, 'the joining call to miss');
          source.release();
          expect((await running).version).toBe(1);
          expect((await joining).version).toBe(2);
        }),
    );

  // The store checks a result against the marks when it receives it; the answer may come back much later.
  if (candidate.reachable)
    scenario(
      "a call arriving while a result is on its way to the store, after another application's invalidation resolved, gets the new value",
      'cross-app-late-join',
      () =>
        withOtherApp(async (other) => {
          const { running } = await heldCall();
          conformance.faults.plan = { lateAnswer: 1, answerMs: 400, only: ['set'] };
          const sent = conformance.faults.sent.set;
          source.release();
          await waitFor(() => conformance.faults.sent.set > sent, 'the result to reach the store');
          source.database.write(1);
          await other.ops.invalidate({ kind: 'invalidatePrefix', prefix: 'Inventory' });
          conformance.faults.plan = {};
          const later = conformance.ops.call('Inventory.item', 1);
          expect((await running).version).toBe(1);
          expect((await later).version).toBe(2);
        }),
    );

  scenario('a slow store still gives every caller the value of its own key', 'slow', async () => {
    conformance.faults.plan = { delay: 1, delayMs: [5, 40] };
    const readings = await Promise.all([1, 2, 3, 1, 2, 3].map((id) => conformance.ops.call('Inventory.price', id)));
    expect(readings.map((r) => r.id)).toEqual([1, 2, 3, 1, 2, 3]);
    for (const id of [1, 2, 3]) {
      const stored = await conformance.ops.call('Inventory.price', id);
      expect(await conformance.ops.call('Inventory.price', id)).toEqual(stored); // stored despite the delays
    }
  });
});

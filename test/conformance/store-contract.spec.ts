import { setTimeout as sleep } from 'node:timers/promises';
import { ResultKind, type MemoStore, type StoredEntry } from '../../lib/stores/memo-store.interface.js';
import { ALL_MARK, prefixMark, scopeOf, tagMark } from '../../lib/stores/marks.js';
import { type ConformanceApp, startConformanceApp } from './support/conformance-app.js';
import { waitFor } from '../support/redis-server.js';
import { innermost } from './support/faulty-store.js';
import { GatedSource } from './support/gated-source.js';
import { isPendingScenario } from './support/known-failures.js';
import { CONFORMANCE_STORES, type OpenedStore } from './support/stores.js';

/**
 * The store contract of lib/stores/memo-store.interface.ts, asked of each real store as the
 * memoizer uses it (the store of a real application's alias): what the memoizer relies on
 * for the invalidation promise.
 */
describe.each(CONFORMANCE_STORES)('the MemoStore contract on $name', (candidate) => {
  let opened: OpenedStore | undefined;
  let conformance: ConformanceApp;
  let store: MemoStore;
  let key: string;
  const scope = scopeOf('Contract.method');

  beforeAll(async () => {
    opened = await candidate.open();
  }, 60_000);
  afterAll(() => opened?.close());
  beforeEach(async () => {
    if (!opened) return;
    conformance = await startConformanceApp(opened, { source: new GatedSource() });
    store = innermost(conformance.faults);
    key = `${conformance.namespace}:Contract.method:1`;
  });
  afterEach(() => conformance?.close());

  const scenario = (name: string, id: string, test: () => Promise<void>) => {
    const pending = isPendingScenario(candidate.name, `contract:${id}`);
    const body = async () => {
      if (opened) await test();
    };
    if (pending) it.failing(`${name} [known to fail: ${pending}]`, body);
    else it(name, body);
  };

  const entry = (created: number, value: unknown, tags?: string[]): StoredEntry => ({
    value,
    kind: ResultKind.Value,
    created,
    freshUntil: Date.now() + 60_000,
    staleUntil: Date.now() + 60_000,
    tags,
  });
  /** A stamp taken a little later than anything before it. */
  const laterStamp = async () => {
    await sleep(5);
    return store.stamp();
  };

  scenario('a key never stored is a miss', 'miss', async () => {
    expect(await store.get(key, scope)).toBeUndefined();
  });

  scenario('get returns what set stored, stamp and tags included', 'roundtrip', async () => {
    const created = await store.stamp();
    await store.set(key, entry(created, { n: 1 }, ['t']), scope);
    expect(await store.get(key, scope)).toMatchObject({ value: { n: 1 }, created, tags: ['t'] });
  });

  scenario('stamps never go back', 'stamps', async () => {
    const stamps: number[] = [];
    for (let i = 0; i < 20; i++) stamps.push(await store.stamp());
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
  });

  scenario('set never replaces an entry whose computation began later', 'newer-wins', async () => {
    const older = await store.stamp();
    const newer = await laterStamp();
    await store.set(key, entry(newer, 'new'), scope);
    await store.set(key, entry(older, 'old'), scope);
    expect((await store.get(key, scope))?.value).toBe('new');
  });

  scenario(
    'delete leaves a tombstone: a computation that began before it cannot store its result',
    'tombstone',
    async () => {
      const before = await store.stamp();
      await store.set(key, entry(before, 'v1'), scope);
      await store.delete(key);
      expect(await store.get(key, scope)).toBeUndefined();
      await store.set(key, entry(before, 'old'), scope);
      expect(await store.get(key, scope)).toBeUndefined();
      // Stored again once a stamp passes the tombstone's (an early estimate may take a moment).
      await waitFor(
        async () => {
          await store.set(key, entry(await laterStamp(), 'v2'), scope);
          return (await store.get(key, scope))?.value === 'v2';
        },
        'an entry stamped after the delete to be stored',
        2_000,
      );
    },
  );

  describe.each([tagMark('t'), prefixMark('Contract'), prefixMark('Contract.method'), ALL_MARK])(
    'the mark %s',
    (mark) => {
      scenario('voids what was stamped before it, and not what is stamped after', 'mark', async () => {
        await store.set(key, entry(await store.stamp(), 'old', ['t']), scope);
        await store.invalidate([mark]);
        expect(await store.get(key, scope)).toBeUndefined();
        // A store whose stamps are a lower bound of its clock may void a result stamped just
        // after the mark (one extra recompute), but soon stores again.
        await waitFor(
          async () => {
            await store.set(key, entry(await laterStamp(), 'new', ['t']), scope);
            return (await store.get(key, scope))?.value === 'new';
          },
          `an entry stamped after ${mark} to be stored`,
          2_000,
        );
      });
    },
  );

  scenario('marks of other tags and prefixes leave an entry alone', 'other-marks', async () => {
    await store.set(key, entry(await store.stamp(), 'kept', ['t']), scope);
    await store.invalidate([tagMark('u'), prefixMark('Contract.other'), prefixMark('Other')]);
    expect((await store.get(key, scope))?.value).toBe('kept');
  });
});

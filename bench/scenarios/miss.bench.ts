import { LRUCache } from 'lru-cache';
import { CacheRegistry } from '../../lib/index.js';
import { ours } from '../fixtures/memo-app.js';
import { MEMORY_PEERS } from '../fixtures/memory-peers.js';
import { type BenchFn, timeTasks } from '../support/measure.js';
import { PAYLOADS } from '../support/payloads.js';
import { type Scenario, type Table, timingTable } from '../support/report.js';

const BY_HAND = 'by hand: method + lru-cache set';

/**
 * 2. A miss: every call has a new argument, so the method runs and its result is stored.
 * Against doing the same by hand (call the method, `set` the result) and each peer's miss.
 */
export const miss: Scenario = {
  id: 'miss',
  title: '2. Miss path',
  async run() {
    const tables: Table[] = [];
    for (const payload of PAYLOADS) {
      const compute = async () => payload.value;
      const us = await ours(compute);
      const peers = MEMORY_PEERS.map((create) => create(compute));
      const lru = new LRUCache<string, object>({ max: 10_000 });
      const cache = us.app.get(CacheRegistry).get();
      // Each task counts its own arguments up from its own start, so every call misses.
      const counting = (call: (n: number) => unknown): BenchFn => {
        let n = 1_000_000;
        return () => call(n++);
      };
      const timings = await timeTasks([
        [
          BY_HAND,
          counting(async (n) => {
            const value = await compute();
            lru.set(`Catalog.byId:${n}`, value as object);
            return value;
          }),
        ],
        [
          'by hand: method + cache-manager cache.set',
          counting(async (n) => {
            const value = await compute();
            await cache.set(`manual:${n}`, value, 600_000);
            return value;
          }),
        ],
        [us.name, counting((n) => us.catalog.byId(n))],
        ...peers.map((c): [string, BenchFn] => [c.name, counting((n) => c.byId(n))]),
      ]);
      for (const c of [us, ...peers]) await c.close();
      tables.push(
        timingTable(`Miss, primitive argument, ${payload.name}`, timings, BY_HAND, us.name, [
          'Our memory alias and the hand-written LRU hold at most 10,000 entries, so both also pay for evictions.',
        ]),
      );
    }
    return { tables };
  },
};

import { Redis } from 'ioredis';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { WorkerProcess } from '../../support/worker-process.js';

/**
 * Two app instances, each its own Node process, share a two-tier alias. The row behind a cached
 * query is deleted and instance A refreshes the query: `unless` keeps its new result (`null`)
 * out of the store. Once the refresh resolves, neither instance may return the deleted row: not
 * B from its local copy, not A from Redis (README, "Guarantees").
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

interface Found {
  value: { id: number; version: number } | null;
  from: 'computed' | 'local' | 'remote';
}

(redis ? describe : describe.skip)('refresh() whose result unless keeps out, across processes', () => {
  let namespace: string;
  let workers: WorkerProcess[] = [];
  let truth: Redis;

  beforeEach(() => {
    namespace = uniqueNamespace('refresh-not-stored-processes');
    truth = new Redis(redis!.url);
  });
  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    workers = [];
    await truth.del(`${namespace}:truth:7`);
    await dropNamespace(truth, namespace);
    await truth.quit();
  });

  it('once the refresh resolves in A, neither B (from its local tier) nor A returns the deleted row', async () => {
    const env = { REDIS_URL: redis!.url, CACHE_NAMESPACE: namespace, LEASE: '1s' };
    const [a, b] = (workers = await Promise.all([
      WorkerProcess.start(env, 'refresh-worker.ts'),
      WorkerProcess.start(env, 'refresh-worker.ts'),
    ]));
    await truth.set(`${namespace}:truth:7`, '1');

    // B computes version 1, then serves it from its local tier.
    expect(await b.call<Found>('find', 7)).toEqual({ value: { id: 7, version: 1 }, from: 'computed' });
    let found: Found | undefined;
    for (let i = 0; i < 50 && found?.from !== 'local'; i++) found = await b.call<Found>('find', 7);
    expect(found).toEqual({ value: { id: 7, version: 1 }, from: 'local' });

    await truth.del(`${namespace}:truth:7`);
    expect(await a.call('refresh', 7)).toBeNull();

    expect(await b.call<Found>('find', 7)).toEqual({ value: null, from: 'computed' });
    expect(await a.call<Found>('find', 7)).toEqual({ value: null, from: 'computed' });
  }, 60_000);
});

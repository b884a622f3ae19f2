import { Redis } from 'ioredis';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { WorkerProcess } from '../../support/worker-process.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

interface Answer {
  value: { id: number; version: number; origin: string };
  calls: number;
}

(redis ? describe : describe.skip)('two Node processes on one Redis', () => {
  const namespace = uniqueNamespace('processes');
  let first: WorkerProcess;
  let second: WorkerProcess;

  beforeAll(async () => {
    const env = { REDIS_URL: redis!.url, CACHE_NAMESPACE: namespace };
    [first, second] = await Promise.all([
      WorkerProcess.start({ ...env, ORIGIN: 'first' }),
      WorkerProcess.start({ ...env, ORIGIN: 'second' }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
    const client = new Redis(redis!.url);
    await dropNamespace(client, namespace);
    await client.quit();
  });

  it('computes in one process and hits in the other', async () => {
    expect(await first.call<Answer>('book', 1)).toEqual({ value: { id: 1, version: 1, origin: 'first' }, calls: 1 });
    expect(await second.call<Answer>('book', 1)).toEqual({ value: { id: 1, version: 1, origin: 'first' }, calls: 0 });
  });

  it('sees an invalidation made in the other process at once', async () => {
    await first.call('book', 2);
    await second.call('invalidateTags', ['book:2']);
    expect(await first.call<Answer>('book', 2)).toMatchObject({ value: { origin: 'first', version: 3 } });
    await first.call('invalidateAll');
    expect(await second.call<Answer>('book', 2)).toMatchObject({ value: { origin: 'second' }, calls: 1 });
  });
});

import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { InvalidationService } from '../../../lib/index.js';
import { Catalog, Reports } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { WorkerProcess } from '../../support/worker-process.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

interface Answer {
  value: { id: number; version: number; origin: string };
  calls: number;
}

/** Blocks this process's event loop for `ms` at a time, with only a tick between blocks, until stopped. */
function stallEventLoop(ms: number): () => Promise<void> {
  let running = true;
  const done = (async () => {
    while (running) {
      await new Promise((resolve) => setImmediate(resolve));
      const until = Date.now() + ms;
      while (Date.now() < until);
    }
  })();
  return async () => {
    running = false;
    await done;
  };
}

/**
 * This process invalidates and refreshes while its event loop stalls 300 ms at a time (a
 * CPU-bound request, a long GC); another process, whose loop runs freely, makes the entries
 * and reads them back. What was invalidated or refreshed here must be gone there.
 */
(redis ? describe : describe.skip)('invalidate() and refresh() from a process whose event loop stalls', () => {
  const namespace = uniqueNamespace('stall');
  let worker: WorkerProcess;
  let app: INestApplication;
  let invalidation: InvalidationService;

  beforeAll(async () => {
    worker = await WorkerProcess.start({ REDIS_URL: redis!.url, CACHE_NAMESPACE: namespace, ORIGIN: 'worker' });
    app = await createApp(
      { providers: [Catalog, Reports] },
      // A storeTimeout above the stalls: what is tested is whether a call that resolves took effect.
      { namespace, storeTimeout: '2s', caches: { default: { store: 'redis', url: redis!.url } } },
    );
    invalidation = app.get(InvalidationService);
  }, 60_000);
  afterAll(async () => {
    await worker?.stop();
    await app?.close();
    const client = new Redis(redis!.url);
    await dropNamespace(client, namespace);
    client.disconnect();
  });

  it('takes effect for entries made just before', async () => {
    const stale: number[] = [];
    const resume = stallEventLoop(300);
    try {
      for (let id = 1; id <= 12; id++) {
        const before = await worker.call<Answer>('book', id);
        await invalidation.invalidate(Catalog, 'book', id);
        const after = await worker.call<Answer>('book', id);
        if (after.value.version === before.value.version) stale.push(id);
      }
    } finally {
      await resume();
    }
    expect(stale).toEqual([]);
  }, 60_000);

  it('stores what refresh() returned for every process', async () => {
    const stale: number[] = [];
    const resume = stallEventLoop(300);
    try {
      for (let id = 101; id <= 112; id++) {
        await worker.call<Answer>('book', id);
        const refreshed = await invalidation.refresh(Catalog, 'book', id);
        const after = await worker.call<Answer>('book', id);
        if (after.value.origin !== 'app' || after.value.version !== refreshed.version) stale.push(id);
      }
    } finally {
      await resume();
    }
    expect(stale).toEqual([]);
  }, 60_000);
});

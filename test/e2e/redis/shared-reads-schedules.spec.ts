import type { INestApplication } from '@nestjs/common';
import type { Socket } from 'node:net';
import { CacheRegistry } from '../../../lib/index.js';
import { Catalog } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer } from '../../support/redis-server.js';
import { ReplyGate } from '../../support/reply-gate.js';
import { WorkerProcess } from '../../support/worker-process.js';

/**
 * Shared reads of a hot key under hostile schedules. A turn of the event loop can last long
 * (CPU work, a GC pause): another process's invalidation can be sent, run by Redis and
 * resolve meanwhile, and a call that starts after it (wall clock, same host) must not share
 * a read sent before it. And whatever the mix of held replies, timeouts and dropped
 * connections, no key is left behind and no call fails.
 */
const server = requireRedisServer() ? await RedisServer.start() : undefined;
afterAll(() => server?.stop());

(server ? describe : describe.skip)('shared reads across a long turn', () => {
  let namespace: string;
  let apps: INestApplication[];
  let worker: WorkerProcess | undefined;

  beforeEach(() => {
    namespace = uniqueNamespace('sharedreads');
    apps = [];
  });
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await worker?.stop();
    worker = undefined;
  });

  async function start(url: string, origin: string): Promise<Catalog> {
    const app = await createApp(
      { providers: [Catalog] },
      { namespace, storeTimeout: 3_000, caches: { default: { store: 'redis', url } } },
    );
    apps.push(app);
    const catalog = app.get(Catalog);
    catalog.origin = origin;
    return catalog;
  }

  it('never hands a call that starts after invalidateAll resolved in another process a read sent before it', async () => {
    worker = await WorkerProcess.start({ REDIS_URL: server!.url, CACHE_NAMESPACE: namespace, ORIGIN: 'elsewhere' });
    const here = await start(server!.url, 'here');
    expect(await here.list(1)).toBe('page 1 v1 by here');

    // All in one turn of this process.
    const older = here.list(1); // its read goes to Redis at once; Redis answers it with v1
    const resolvedAt = worker.call<number>('invalidateAllAt'); // the other process invalidates meanwhile
    const until = Date.now() + 1_500;
    while (Date.now() < until); // a long turn: CPU work, or a GC pause
    const startedAt = Date.now();
    const later = here.list(1); // starts after the invalidation resolved

    expect(await resolvedAt).toBeLessThan(startedAt);
    expect(await older).toMatch(/^page 1 v[12] by here$/); // it started before: either is its due
    expect(await later).toBe('page 1 v2 by here');
  });
});

(server ? describe : describe.skip)(
  'shared reads bookkeeping under held replies, timeouts and a dropped connection',
  () => {
    let namespace: string;
    let apps: INestApplication[];

    beforeEach(() => {
      namespace = uniqueNamespace('sharedreads');
      apps = [];
    });
    afterEach(async () => {
      await Promise.all(apps.map((app) => app.close()));
    });

    async function start(url: string): Promise<{ catalog: Catalog; pending: () => number }> {
      const app = await createApp(
        { providers: [Catalog] },
        { namespace, storeTimeout: 150, caches: { default: { store: 'redis', url } } },
      );
      apps.push(app);
      const catalog = app.get(Catalog);
      catalog.origin = 'here';
      const store = app.get(CacheRegistry).alias(undefined, 'test').store as unknown as {
        reads?: { pending: number };
        inner?: { reads: { pending: number } };
      };
      const reads = store.reads ?? store.inner!.reads;
      return { catalog, pending: () => reads.pending };
    }

    const pause = (ms: number) => new Promise((resolve) => (ms < 0 ? setImmediate(resolve) : setTimeout(resolve, ms)));

    it('leaves no key behind and fails no call, whatever the schedule', async () => {
      const gate = await ReplyGate.start(server!.port);
      try {
        const { catalog, pending } = await start(gate.url);
        await catalog.list(1);
        let seed = 7;
        const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
        const calls: Array<Promise<string>> = [];
        let maxPending = 0;
        for (let step = 0; step < 200; step++) {
          maxPending = Math.max(maxPending, pending());
          const r = random();
          if (r < 0.1) gate.close();
          else if (r < 0.2) gate.open();
          const n = Math.floor(random() * 4);
          for (let i = 0; i < n; i++) calls.push(catalog.list(1));
          const w = random();
          await pause(w < 0.5 ? -1 : w < 0.8 ? 0 : Math.floor(random() * 200));
        }
        gate.open();
        const results = await Promise.all(calls);
        expect(results.every((r) => /^page 1 v\d+ by here$/.test(r))).toBe(true);
        await pause(400);
        expect(maxPending).toBeGreaterThan(0);
        expect(pending()).toBe(0);
      } finally {
        await Promise.all(apps.splice(0).map((app) => app.close()));
        await gate.stop();
      }
    }, 60_000);

    it('settles a waiting read when the connection drops under the one in flight', async () => {
      const gate = await ReplyGate.start(server!.port);
      try {
        const { catalog, pending } = await start(gate.url);
        await catalog.list(1);
        gate.close();
        const calls = [catalog.list(1)];
        await pause(20);
        calls.push(catalog.list(1), catalog.list(1)); // wait for the next read
        for (const socket of (gate as unknown as { sockets: Set<Socket> }).sockets) socket.destroy();
        const results = await Promise.all(calls);
        expect(results.every((r) => /^page 1 v\d+ by here$/.test(r))).toBe(true);
        await pause(50);
        expect(pending()).toBe(0);
      } finally {
        await Promise.all(apps.splice(0).map((app) => app.close()));
        await gate.stop();
      }
    });
  },
);

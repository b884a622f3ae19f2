import { type INestApplication, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import {
  CacheMemoize,
  type CacheMemoizeEvent,
  CacheMemoizeModule,
  CacheMemoizeStats,
  InvalidationService,
} from '../../../lib/index.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { waitFor } from '../../support/redis-server.js';
import { ReplyGate } from '../../support/reply-gate.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

/** The data every instance reads: one object shared by the apps of this test, like a database. */
const database = new Map<number, number>();

@Injectable()
class Prices {
  calls = 0;

  @CacheMemoize({ ttl: '1m', tags: (ctx) => [`price:${ctx.args[0]}`] })
  async price(id: number): Promise<{ id: number; version: number }> {
    this.calls++;
    return { id, version: database.get(id) ?? 0 };
  }
}

async function instance(namespace: string, events: CacheMemoizeEvent[] = []) {
  @Module({
    imports: [
      CacheMemoizeModule.forRoot({
        namespace,
        caches: { default: { store: 'redis', url: redis!.url, local: { lease: '1s' } } },
        onEvent: (event) => events.push(event),
      }),
    ],
    providers: [Prices],
  })
  class AppModule {}
  const app = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication();
  await app.init();
  return { app, prices: app.get(Prices), invalidation: app.get(InvalidationService), events };
}

(redis ? describe : describe.skip)('a Redis alias with a local tier, two instances', () => {
  const namespace = uniqueNamespace('two-tier');
  let one: Awaited<ReturnType<typeof instance>>;
  let two: Awaited<ReturnType<typeof instance>>;

  beforeAll(async () => {
    one = await instance(namespace);
    two = await instance(namespace);
    // Each instance serves local copies once it has heard its own heartbeat.
    await waitFor(async () => {
      await one.prices.price(0);
      await two.prices.price(0);
      return one.events.at(-1)?.tier === 'local' && two.events.at(-1)?.tier === 'local';
    }, 'both instances to hold their lease');
  });
  afterAll(async () => {
    await one?.app.close();
    await two?.app.close();
    const client = new Redis(redis!.url);
    await dropNamespace(client, namespace);
    await client.quit();
  });

  /** Version 1 of `id`, computed by instance one, read by two from Redis and then from its local copy. */
  async function heldLocallyByTwo(id: number): Promise<void> {
    database.set(id, 1);
    await one.prices.price(id);
    await two.prices.price(id);
    await two.prices.price(id);
    expect(two.events.at(-1)).toMatchObject({ type: 'hit', tier: 'local' });
  }

  it('answers a repeated call from the local tier, synchronously, and counts it', async () => {
    await one.prices.price(1);
    const calls = one.prices.calls;
    let settled = false;
    void one.prices.price(1).then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(one.prices.calls).toBe(calls);
    expect(one.events.at(-1)).toMatchObject({ type: 'hit', tier: 'local' });
    expect(one.app.get(CacheMemoizeStats).snapshot()['Prices.price'].localHits).toBeGreaterThan(0);
  });

  it('hits Redis in the other instance first, then its own local copy', async () => {
    await one.prices.price(2);
    await two.prices.price(2);
    expect(two.events.at(-1)).toMatchObject({ type: 'hit', tier: 'remote' });
    await two.prices.price(2);
    expect(two.events.at(-1)).toMatchObject({ type: 'hit', tier: 'local' });
  });

  it.each([
    ['invalidateTags', (i: typeof one, id: number) => i.invalidation.invalidateTags(`price:${id}`)],
    ['invalidate', (i: typeof one, id: number) => i.invalidation.invalidate(Prices, 'price', id)],
    ['invalidatePrefix', (i: typeof one) => i.invalidation.invalidatePrefix('Prices')],
    ['invalidateAll', (i: typeof one) => i.invalidation.invalidateAll()],
    ['refresh', (i: typeof one, id: number) => i.invalidation.refresh(Prices, 'price', id)],
  ])('once %s resolves on one instance, the other never serves its local copy of the old value', async (_, run) => {
    const id = 10 + Math.floor(Math.random() * 1e6);
    await heldLocallyByTwo(id);
    database.set(id, 2);
    await run(one, id);
    expect(await two.prices.price(id)).toEqual({ id, version: 2 });
    expect(await one.prices.price(id)).toEqual({ id, version: 2 });
  });

  it('replaces the local copies of other instances when one stores a new value', async () => {
    const id = 3;
    await heldLocallyByTwo(id);
    // The entry leaves Redis (expired, evicted) and a third instance computes the new value.
    database.set(id, 2);
    const client = new Redis(redis!.url);
    await client.del(one.invalidation.keyFor(Prices, 'price', id));
    await client.quit();
    const three = await instance(namespace);
    try {
      expect(await three.prices.price(id)).toEqual({ id, version: 2 });
      await waitFor(async () => (await two.prices.price(id)).version === 2, 'instance two to drop its copy', 2_000);
      await waitFor(async () => (await one.prices.price(id)).version === 2, 'instance one to drop its copy', 2_000);
    } finally {
      await three.app.close();
    }
  });
});

(redis ? describe : describe.skip)(
  'a Redis alias with a local tier, when the answer to an invalidation is lost',
  () => {
    let gate: ReplyGate;
    let namespace: string;
    let apps: INestApplication[] = [];

    beforeEach(async () => {
      gate = await ReplyGate.start(Number(new URL(redis!.url).port || 6379));
      namespace = uniqueNamespace('two-tier-lost');
      apps = [];
    });
    afterEach(async () => {
      gate.open();
      await Promise.all(apps.map((app) => app.close()));
      await gate.stop();
    });

    /** One instance reaching Redis through the gate, whose replies it holds while closed. */
    async function gated(events: CacheMemoizeEvent[]) {
      @Module({
        imports: [
          CacheMemoizeModule.forRoot({
            namespace,
            storeTimeout: 200,
            caches: { default: { store: 'redis', url: gate.url, local: { lease: '2s' } } },
            onEvent: (event) => events.push(event),
          }),
        ],
        providers: [Prices],
      })
      class AppModule {}
      const app = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication();
      await app.init();
      apps.push(app);
      return { prices: app.get(Prices), invalidation: app.get(InvalidationService) };
    }

    it.each([
      ['invalidateTags', (i: InvalidationService, id: number) => i.invalidateTags(`price:${id}`)],
      ['invalidate', (i: InvalidationService, id: number) => i.invalidate(Prices, 'price', id)],
    ])('%s rejects, and the local copy is not served after it', async (_, run) => {
      const events: CacheMemoizeEvent[] = [];
      const one = await gated(events);
      const id = 5_000_000 + Math.floor(Math.random() * 1e6);
      database.set(id, 1);
      await waitFor(async () => {
        await one.prices.price(id);
        return events.at(-1)?.tier === 'local';
      }, 'a local copy');
      database.set(id, 2);
      gate.close(); // Redis runs the invalidation; its answer is held past storeTimeout
      await expect(run(one.invalidation, id)).rejects.toThrow();
      gate.open(); // well within the lease: heartbeats come back, the lease holds
      expect(await one.prices.price(id)).toEqual({ id, version: 2 });
    });
  },
);

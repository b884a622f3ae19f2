import { type INestApplication, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheMemoize, type CacheMemoizeEvent, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { Gate } from '../../fixtures/gate.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { waitFor } from '../../support/redis-server.js';
import { ReplyGate } from '../../support/reply-gate.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

/**
 * A `refresh` under `lock: 'distributed'` that finds another process holding the key's lock
 * may take the entry that process stored (created after the refresh began) instead of
 * storing its own. It used to resolve at once, without publishing an invalidation or waiting
 * for anyone's acknowledgement, while a process that could not hear the bus (its subscriber
 * partitioned) still held its lease and served its local copy of the value the refresh
 * replaced. It now invalidates as its own store would (TwoTierMemoStore.adopted).
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

const database = new Map<number, number>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class Prices {
  @CacheMemoize({ ttl: '1m', lock: 'distributed' })
  async price(id: number): Promise<{ id: number; version: number }> {
    return { id, version: database.get(id) ?? 0 };
  }
}

@Injectable()
class PlainPrices {
  @CacheMemoize({ ttl: '1m' })
  async price(id: number): Promise<{ id: number; version: number }> {
    return { id, version: database.get(id) ?? 0 };
  }
}

/** The same, with a gate each instance can hold its computation at. */
@Injectable()
class GatedPrices {
  readonly gate = new Gate();
  @CacheMemoize({ ttl: '1m', lock: 'distributed' })
  async price(id: number): Promise<{ id: number; version: number }> {
    const version = database.get(id) ?? 0;
    await this.gate.pass();
    return { id, version };
  }
}

const LEASE = '3s';

(redis ? describe : describe.skip)("refresh taking another process's entry under lock: distributed (two-tier)", () => {
  let namespace: string;
  let apps: INestApplication[];
  let gate: ReplyGate;
  let proxy: TcpProxy;

  beforeEach(async () => {
    namespace = uniqueNamespace('refresh-adopts');
    apps = [];
    const port = Number(new URL(redis!.url).port || 6379);
    gate = await ReplyGate.start(port);
    proxy = await TcpProxy.start(port);
  });
  afterEach(async () => {
    gate.open();
    proxy.subscribersPartitioned = false;
    proxy.partitioned = false;
    await Promise.all(apps.map((app) => app.close()));
    await gate.stop();
    await proxy.stop();
    const client = new Redis(redis!.url);
    await dropNamespace(client, namespace);
    await client.quit();
  });

  async function app<T extends Prices | PlainPrices | GatedPrices>(
    url: string,
    type: new () => T,
    events?: CacheMemoizeEvent[],
  ) {
    const nest = await createApp(
      { providers: [type] },
      {
        namespace,
        storeTimeout: 2_000,
        onEvent: events && ((event) => events.push(event)),
        caches: { default: { store: 'redis', url, local: { lease: LEASE } } },
      },
    );
    apps.push(nest);
    return { svc: nest.get(type), invalidation: nest.get(InvalidationService) };
  }

  it.each([
    ['lock: distributed', Prices],
    ['no lock (control)', PlainPrices],
  ] as const)(
    '%s: once refresh resolves in A, a partitioned B does not serve its local copy of the replaced value',
    async (_, type) => {
      const eventsB: CacheMemoizeEvent[] = [];
      const a = await app(gate.url, type); // A: its replies can be held back
      const b = await app(proxy.url, type, eventsB); // B: its subscriber can be partitioned
      const d = await app(redis!.url, type); // D: a third process, refreshing too
      const id = 1 + Math.floor(Math.random() * 1e6);
      database.set(id, 1);
      // B holds a local copy of version 1.
      await waitFor(async () => {
        await b.svc.price(id);
        return eventsB.at(-1)?.type === 'hit' && eventsB.at(-1)?.tier === 'local';
      }, 'B to serve a local copy');
      expect(await b.svc.price(id)).toEqual({ id, version: 1 });

      proxy.subscribersPartitioned = true; // B hears nothing more; its lease (3 s) still holds for a while
      database.set(id, 2);

      // A's refresh: Redis issues its stamp; the answer is held, so A reaches the lock later.
      gate.close();
      const refreshedByA = a.invalidation.refresh(type, 'price', id);
      await sleep(50);
      // D refreshes after A's stamp: it takes the lock, stores version 2, and waits for B's ack (B is silent).
      const refreshedByD = d.invalidation.refresh(type, 'price', id);
      await sleep(150);
      gate.open();
      expect(await refreshedByA).toEqual({ id, version: 2 });

      // The guarantee: A's refresh resolved, so no process returns version 1 any more.
      const seenByB = await b.svc.price(id);
      try {
        expect(seenByB).toEqual({ id, version: 2 });
      } finally {
        proxy.subscribersPartitioned = false;
        await refreshedByD.catch(() => undefined);
      }
    },
    30_000,
  );

  it('lock: distributed, a miss in D after the entry left Redis: refresh in A takes it, and B no longer serves version 1 once it resolved', async () => {
    const eventsB: CacheMemoizeEvent[] = [];
    const a = await app(gate.url, GatedPrices);
    const b = await app(proxy.url, GatedPrices, eventsB);
    const d = await app(redis!.url, GatedPrices);
    const id = 1 + Math.floor(Math.random() * 1e6);
    database.set(id, 1);
    await waitFor(async () => {
      await b.svc.price(id);
      return eventsB.at(-1)?.type === 'hit' && eventsB.at(-1)?.tier === 'local';
    }, 'B to serve a local copy');
    proxy.subscribersPartitioned = true;
    database.set(id, 2);
    // The entry leaves Redis (evicted under maxmemory, say); B's local copy stays.
    const client = new Redis(redis!.url);
    await client.del(a.invalidation.keyFor(GatedPrices, 'price', id));
    await client.quit();

    gate.close();
    const refreshedByA = a.invalidation.refresh(GatedPrices, 'price', id);
    await sleep(50);
    d.svc.gate.close();
    const missInD = d.svc.price(id); // takes the lock, computes version 2, held open
    await d.svc.gate.whenReached();
    gate.open();
    await sleep(100); // A finds the lock taken and polls
    d.svc.gate.openUp();
    expect(await missInD).toEqual({ id, version: 2 });
    expect(await refreshedByA).toEqual({ id, version: 2 });
    const seenByB = await b.svc.price(id);
    expect(seenByB).toEqual({ id, version: 2 });
  }, 30_000);
});

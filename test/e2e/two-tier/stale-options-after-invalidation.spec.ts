import { type INestApplication, Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheInvalidate, CacheMemoize, type CacheMemoizeEvent, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { Gate } from '../../fixtures/gate.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { waitFor } from '../../support/redis-server.js';

/**
 * Options that serve stale values (`staleIfError`, `refreshAfter`) never bring back a value an
 * invalidation in another app instance voided, on a two-tier alias and on a plain Redis alias.
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

const database = new Map<number, number>();
const failing = new Set<number>();

@Injectable()
class Stock {
  readonly gate = new Gate();
  @CacheMemoize({ ttl: 150, staleIfError: '1m', tags: ['stock'] })
  async level(id: number): Promise<{ id: number; version: number }> {
    if (failing.has(id)) throw new Error('backend down');
    return { id, version: database.get(id) ?? 0 };
  }

  @CacheMemoize({ ttl: '1m', refreshAfter: 50, tags: ['stock'] })
  async due(id: number): Promise<{ id: number; version: number }> {
    const version = database.get(id) ?? 0;
    await this.gate.pass();
    return { id, version };
  }

  @CacheInvalidate({ tags: ['stock'] })
  async write(id: number, version: number): Promise<void> {
    database.set(id, version);
  }
}

type Variant = 'two-tier' | 'redis';

(redis ? describe : describe.skip)('stale-serving options after an invalidation in another instance', () => {
  let namespace: string;
  let apps: INestApplication[];
  beforeEach(() => {
    namespace = uniqueNamespace('stale-options');
    apps = [];
  });
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    const client = new Redis(redis!.url);
    await dropNamespace(client, namespace);
    await client.quit();
  });

  async function app(variant: Variant, events?: CacheMemoizeEvent[]) {
    const nest = await createApp(
      { providers: [Stock] },
      {
        namespace,
        onEvent: events && ((event) => events.push(event)),
        caches: {
          default:
            variant === 'two-tier'
              ? { store: 'redis', url: redis!.url, local: { lease: '1s' } }
              : { store: 'redis', url: redis!.url },
        },
      },
    );
    apps.push(nest);
    return { svc: nest.get(Stock), invalidation: nest.get(InvalidationService) };
  }

  it.each(['two-tier', 'redis'] as const)(
    '%s: staleIfError does not serve a value voided by invalidateTags in A when the recompute in B fails',
    async (variant) => {
      const events: CacheMemoizeEvent[] = [];
      const a = await app(variant);
      const b = await app(variant, events);
      const id = 1 + Math.floor(Math.random() * 1e6);
      database.set(id, 1);
      expect(await b.svc.level(id)).toEqual({ id, version: 1 });
      if (variant === 'two-tier')
        await waitFor(async () => {
          await b.svc.level(id);
          return events.at(-1)?.tier === 'local';
        }, 'a local copy in B');
      await new Promise((r) => setTimeout(r, 200)); // past ttl, inside staleIfError
      database.set(id, 2);
      await a.invalidation.invalidateTags('stock');
      failing.add(id);
      try {
        await expect(b.svc.level(id)).rejects.toThrow('backend down');
      } finally {
        failing.delete(id);
      }
    },
  );

  it.each(['two-tier', 'redis'] as const)(
    '%s: @CacheInvalidate in A resolves only once B cannot serve the old value; a due background refresh begun before does not bring it back',
    async (variant) => {
      const events: CacheMemoizeEvent[] = [];
      const a = await app(variant);
      const b = await app(variant, events);
      const id = 1 + Math.floor(Math.random() * 1e6);
      database.set(id, 1);
      await b.svc.due(id);
      await new Promise((r) => setTimeout(r, 80)); // due for a refresh
      b.svc.gate.close();
      expect(await b.svc.due(id)).toEqual({ id, version: 1 }); // hit, starts the background refresh (held)
      await b.svc.gate.whenReached(); // it read version 1
      await a.svc.write(id, 2);
      // On a plain Redis alias this call may join B's running background refresh (documented):
      // it must then read the store again rather than take its version 1.
      const afterWrite = b.svc.due(id);
      await new Promise((r) => setTimeout(r, 30));
      b.svc.gate.openUp();
      expect(await afterWrite).toEqual({ id, version: 2 });
      await new Promise((r) => setTimeout(r, 50));
      expect(await b.svc.due(id)).toEqual({ id, version: 2 });
      expect(await a.svc.due(id)).toEqual({ id, version: 2 });
    },
  );
});

import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type CacheDefinition, InvalidationService } from '../../../lib/index.js';
import { Catalog } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';

/**
 * Nest apps are often tested under `jest.useFakeTimers()`, which fakes `setTimeout`,
 * `setInterval`, `setImmediate`, `queueMicrotask`, `Date` and `performance` (and
 * `process.nextTick`, which ioredis cannot do without, so it is left real here): nothing runs
 * on a timer until the test moves the clock. A Redis alias (and one with a local tier) must
 * still answer, share reads, keep its entries, expire them when the test moves the clock past
 * their ttl, and never hand out a value an invalidation replaced.
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

const aliases: Array<[string, (url: string) => CacheDefinition]> = [
  ['a Redis alias', (url) => ({ store: 'redis', url })],
  ['a two-tier alias', (url) => ({ store: 'redis', url, local: {} })],
];

(redis ? describe.each(aliases) : describe.skip.each(aliases))('%s under Jest fake timers', (_, definition) => {
  let namespace: string;
  let app: INestApplication | undefined;
  let admin: Redis;

  beforeEach(() => {
    namespace = uniqueNamespace('faketimers');
    admin = new Redis((redis as RedisUnderTest).url);
  });
  afterEach(async () => {
    jest.useRealTimers();
    await app?.close();
    app = undefined;
    await dropNamespace(admin, namespace);
    admin.disconnect();
  });

  async function start(): Promise<Catalog> {
    // ioredis itself needs process.nextTick: without it, no command ever reaches Redis.
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['nextTick'] });
    app = await createApp(
      { providers: [Catalog] },
      { namespace, caches: { default: definition((redis as RedisUnderTest).url) } },
    );
    return app.get(Catalog);
  }

  it('answers from the store, and calls started together share it', async () => {
    const catalog = await start();
    expect(await catalog.list(1)).toBe('page 1 v1 by app');
    expect(await Promise.all([catalog.list(1), catalog.list(1), catalog.list(1)])).toEqual(
      Array(3).fill('page 1 v1 by app'),
    );
    expect(catalog.calls.list).toBe(1);
  });

  it('never answers a call made after an invalidation with the value it replaced', async () => {
    const catalog = await start();
    const invalidation = app!.get(InvalidationService);
    for (let version = 1; version <= 5; version++) {
      expect(await catalog.list(1)).toBe(`page 1 v${version} by app`);
      expect(await catalog.list(1)).toBe(`page 1 v${version} by app`);
      if (version % 2) await invalidation.invalidate(Catalog, 'list', 1);
      else await invalidation.invalidateAll();
    }
  });

  it('recomputes once the faked clock passes the ttl', async () => {
    const catalog = await start();
    expect(await catalog.list(1)).toBe('page 1 v1 by app');
    jest.setSystemTime(Date.now() + 59_000);
    expect(await catalog.list(1)).toBe('page 1 v1 by app');
    jest.setSystemTime(Date.now() + 2_000);
    expect(await catalog.list(1)).toBe('page 1 v2 by app');
  });
});

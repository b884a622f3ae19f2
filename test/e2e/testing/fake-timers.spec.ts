import { jest } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheMemoize, type CacheMemoizeModuleOptions, InvalidationService } from '../../../lib/index.js';
import { Catalog } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { ALIAS_KINDS, type AliasKind, REDIS_ALIAS_KINDS } from '../../support/alias-kinds.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';

/**
 * Nest apps are often tested under `jest.useFakeTimers()`, which fakes `setTimeout`,
 * `setInterval`, `setImmediate`, `queueMicrotask`, `Date` and `performance` (and
 * `process.nextTick`, which ioredis cannot do without, so it is left real here): nothing runs
 * on a timer until the test moves the clock. A Redis alias (and one with a local tier) must
 * still answer, share reads, keep its entries, expire them when the test moves the clock past
 * their ttl, and never hand out a value an invalidation replaced. Every kind of alias must also
 * close under fake timers, work when they are installed after startup, and time a method out
 * on the fake clock.
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

@Injectable()
class Slow {
  calls = 0;
  /** Each run after the first waits 10 s on the (fake) global timers. */
  @CacheMemoize({ ttl: '1m', staleIfError: '10m', timeout: '100ms' })
  async load(): Promise<string> {
    const call = ++this.calls;
    if (call > 1) await new Promise((resolve) => setTimeout(resolve, 10_000));
    return `v${call}`;
  }
}

/**
 * One app per test on `definition`, under a namespace of its own: the timers are made real
 * again, the app closed and the namespace dropped after each test.
 */
function appPerTest(definition: AliasKind[1], options: CacheMemoizeModuleOptions = {}) {
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
  return {
    start: async (): Promise<INestApplication> =>
      (app = await createApp(
        { providers: [Catalog, Slow] },
        { namespace, ...options, caches: { default: definition((redis as RedisUnderTest).url) } },
      )),
    current: (): INestApplication => app!,
    /** For a test that closed the app itself. */
    forget: () => void (app = undefined),
  };
}

(redis ? describe.each(REDIS_ALIAS_KINDS) : describe.skip.each(REDIS_ALIAS_KINDS))(
  '%s under Jest fake timers',
  (_, definition) => {
    const apps = appPerTest(definition);

    async function start(): Promise<Catalog> {
      // ioredis itself needs process.nextTick: without it, no command ever reaches Redis.
      jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['nextTick'] });
      return (await apps.start()).get(Catalog);
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
      const invalidation = apps.current().get(InvalidationService);
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
  },
);

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

(redis ? describe.each(ALIAS_KINDS) : describe.skip.each(ALIAS_KINDS))(
  '%s: closing, late fake timers and method timeouts',
  (_, definition) => {
    const apps = appPerTest(definition, { storeTimeout: 200 });
    const start = apps.start;

    it('closes while the timers are still fake, leaving no socket behind', async () => {
      await sleep(20);
      const before = sockets();
      jest.useFakeTimers({ doNotFake: ['nextTick'] });
      const started = await start();
      const catalog = started.get(Catalog);
      expect(await catalog.list(1)).toBe('page 1 v1 by app');
      await started.get(InvalidationService).invalidateAll();
      expect(await catalog.list(1)).toBe('page 1 v2 by app');
      const closed = await Promise.race([started.close().then(() => 'closed'), sleep(5_000, 'hung', { ref: false })]);
      apps.forget();
      expect(closed).toBe('closed');
      await sleep(50);
      expect(sockets()).toBe(before);
    });

    it('works when the fake timers come after the app started, through runAllTimers', async () => {
      const catalog = (await start()).get(Catalog);
      expect(await catalog.list(1)).toBe('page 1 v1 by app');
      jest.useFakeTimers({ doNotFake: ['nextTick'] });
      jest.runAllTimers();
      jest.runOnlyPendingTimers();
      expect(await catalog.list(1)).toBe('page 1 v1 by app');
      await apps.current().get(InvalidationService).invalidate(Catalog, 'list', 1);
      jest.runAllTimers();
      expect(await catalog.list(1)).toBe('page 1 v2 by app');
      jest.setSystemTime(Date.now() - 86_400_000);
      expect(await catalog.list(1)).toBe('page 1 v2 by app');
      jest.setSystemTime(Date.now() + 2 * 86_400_000);
      expect(await catalog.list(1)).toBe('page 1 v3 by app');
    });

    it('serves the stale value once a slow recompute passes `timeout` on the fake clock', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick'], now: new Date('2026-01-01T00:00:00Z') });
      const slow = (await start()).get(Slow);
      expect(await slow.load()).toBe('v1');
      jest.setSystemTime(Date.now() + 61_000);
      const pending = slow.load();
      for (let i = 0; i < 50 && slow.calls < 2; i++) await sleep(5);
      expect(slow.calls).toBe(2);
      await jest.advanceTimersByTimeAsync(150);
      expect(await Promise.race([pending, sleep(2_000, 'hung', { ref: false })])).toBe('v1');
      await jest.advanceTimersByTimeAsync(10_000);
    });
  },
);

import { jest } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CacheDefinition, CacheMemoize, InvalidationService } from '../../../lib/index.js';
import { Catalog } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';

/** Closing, fake timers installed late, and method timeouts under Jest fake timers, on every kind of alias. */
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

const aliases: Array<[string, (url: string) => CacheDefinition]> = [
  ['a memory alias', () => ({ store: 'memory' })],
  ['a Redis alias', (url) => ({ store: 'redis', url })],
  ['a two-tier alias', (url) => ({ store: 'redis', url, local: {} })],
];

const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

(redis ? describe.each(aliases) : describe.skip.each(aliases))('%s under fake timers', (_, definition) => {
  let namespace: string;
  let app: INestApplication | undefined;
  let admin: Redis;

  beforeEach(() => {
    namespace = uniqueNamespace('ftlife');
    admin = new Redis((redis as RedisUnderTest).url);
  });
  afterEach(async () => {
    jest.useRealTimers();
    await app?.close();
    app = undefined;
    await dropNamespace(admin, namespace);
    admin.disconnect();
  });

  const start = async () =>
    (app = await createApp(
      { providers: [Catalog, Slow] },
      { namespace, storeTimeout: 200, caches: { default: definition((redis as RedisUnderTest).url) } },
    ));

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
    app = undefined;
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
    await app!.get(InvalidationService).invalidate(Catalog, 'list', 1);
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
});

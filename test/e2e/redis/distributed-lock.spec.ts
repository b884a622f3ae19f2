import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { Injectable, type INestApplication, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import {
  CacheConfigError,
  CacheMemoize,
  type CacheMemoizeEvent,
  type DistributedLockOptions,
  InvalidationService,
} from '../../../lib/index.js';
import { RedisLocks } from '../../../lib/stores/redis/redis-lock.js';
import { createApp } from '../../fixtures/create-app.js';
import { type Computed, EXECUTION_COUNTER, LockedBackend } from '../../fixtures/locked-backend.js';
import { dropNamespace, provideRedis, requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer, waitFor } from '../../support/redis-server.js';

const redis = await provideRedis();

/** The same method and key as LockedBackend.slow, in a process that runs it without the lock. */
@Injectable()
class Unlocked {
  @CacheMemoize({ ttl: '1m', prefix: 'LockedBackend.slow', key: (id: number) => id })
  async slow(id: number, ms: number): Promise<Computed> {
    return { id, origin: 'unlocked', execution: ms };
  }
}
afterAll(() => redis?.release());

/**
 * Two applications in this process stand for two processes: each has its own in-process
 * single-flight, so only the Redis lock keeps them from both running the method.
 */
(redis ? describe : describe.skip)('lock: distributed between two applications', () => {
  let namespace: string;
  let client: Redis;
  let apps: INestApplication[];
  let events: CacheMemoizeEvent[];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(() => process.on('unhandledRejection', onRejection));
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    expect(rejections).toEqual([]);
  });
  beforeEach(() => {
    namespace = uniqueNamespace('lock-apps');
    client = new Redis(redis!.url);
    apps = [];
    events = [];
  });
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await dropNamespace(client, namespace);
    await client.quit();
  });

  async function start(origin: string, lock: DistributedLockOptions, url = redis!.url): Promise<LockedBackend> {
    const seen = events; // an event after this test ends stays out of the next one
    const app = await createApp(
      { providers: [LockedBackend, { provide: EXECUTION_COUNTER, useValue: { client, namespace } }] },
      { namespace, caches: { default: { store: 'redis', url, lock } }, onEvent: (event) => seen.push(event) },
    );
    apps.push(app);
    const backend = app.get(LockedBackend);
    backend.origin = origin;
    return backend;
  }
  const started = (backend: LockedBackend, id: number) =>
    waitFor(async () => (await backend.executions('slow', id)) === 1, 'the first run to start');

  it('extends the lock while a method runs past its ttl, so the other application waits for it', async () => {
    const [a, b] = [await start('a', { ttl: '300ms' }), await start('b', { ttl: '300ms' })];
    const first = a.slow(1, 1_500);
    await started(a, 1);

    const second = await b.slow(1, 0);
    expect(second).toEqual(await first);
    expect(second).toMatchObject({ origin: 'a', execution: 1 });
    expect(await a.executions('slow', 1)).toBe(1);
  });

  it.each([
    ['', false],
    [' (on real time, though a test fakes the clock)', true],
  ])('runs the method itself once it has waited lock.wait, and logs it%s', async (_, fakeClock) => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const lock = { ttl: '300ms', wait: '400ms' };
      const [a, b] = [await start('a', lock), await start('b', lock)];
      const first = a.slow(2, 1_500);
      await started(a, 2);
      if (fakeClock) jest.useFakeTimers({ doNotFake: ['nextTick'] }); // Date stands still from here on

      expect(await b.slow(2, 0)).toMatchObject({ origin: 'b', execution: 2 });
      expect(logged.mock.calls.map(([message]) => String(message))).toEqual([
        expect.stringContaining('LockedBackend.slow: waited 400ms'),
      ]);
      // The holder finishes later, but its older result does not replace the newer one.
      expect(await first).toMatchObject({ origin: 'a', execution: 1 });
      expect(await a.slow(2, 0)).toMatchObject({ origin: 'b', execution: 2 });
    } finally {
      jest.useRealTimers();
      logged.mockRestore();
    }
  });

  it('refreshes a due entry once in the background for concurrent hits in both applications', async () => {
    const [a, b] = [await start('a', {}), await start('b', {})];
    expect(await a.refreshed(1, 0)).toMatchObject({ execution: 1 });
    await sleep(350);

    const hits = await Promise.all([a, b].flatMap((app) => Array.from({ length: 10 }, () => app.refreshed(1, 100))));
    expect(new Set(hits.map((hit) => hit.execution))).toEqual(new Set([1]));
    await waitFor(async () => (await b.refreshed(1, 0)).execution === 2, 'the refreshed entry');
    expect(await a.refreshed(1, 0)).toMatchObject({ execution: 2 });
    expect(await a.executions('refreshed', 1)).toBe(2);
    // b's waiting refresh notices the release at its next look (50 ms apart at most): let it end here.
    await sleep(100);
  });

  it('does not refresh again a due entry that the other application refreshed while it waited', async () => {
    const [a, b] = [await start('a', {}), await start('b', {})];
    expect(await a.refreshed(5, 0)).toMatchObject({ execution: 1 });
    await sleep(350); // the entry is now due for a refresh
    // Hold the key's lock, so that both applications' background refreshes queue up behind it.
    const entryKey = apps[0].get(InvalidationService).keyFor(LockedBackend, 'refreshed', 5, 0);
    const lockKey = new RedisLocks(client, namespace, 10_000, 30_000, 1_000).keyOf(entryKey);
    await client.set(lockKey, 'held-by-the-test', 'PX', 10_000);
    expect(await a.refreshed(5, 0)).toMatchObject({ execution: 1 });
    expect(await b.refreshed(5, 0)).toMatchObject({ execution: 1 });
    await sleep(100);
    await client.del(lockKey);
    await waitFor(async () => (await a.refreshed(5, 0)).execution === 2, 'the refreshed entry');
    await sleep(300); // the other refresh has seen the release and the refreshed entry
    expect(await a.executions('refreshed', 5)).toBe(2);
  });

  it('recomputes on InvalidationService.refresh even though a fresh entry is there', async () => {
    const a = await start('a', {});
    expect(await a.slow(3, 0)).toMatchObject({ execution: 1 });
    const refreshed = await apps[0].get(InvalidationService).refresh(LockedBackend, 'slow', 3, 0);
    expect(refreshed).toMatchObject({ execution: 2 });
    expect(await a.slow(3, 0)).toMatchObject({ execution: 2 });
  });

  (requireRedisServer() ? it : it.skip)('still answers, and caches, when Redis refuses the lock', async () => {
    const server = await RedisServer.start();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      // This user may touch entries, marks and counters, but not `<namespace>:__lock:*`.
      const patterns = [`~${namespace}:LockedBackend*`, `~{${namespace}:__marks}*`];
      await server.cli('ACL', 'SETUSER', 'app', 'on', '>secret', ...patterns, '+@all');
      const a = await start('a', {}, `redis://app:secret@127.0.0.1:${server.port}`);

      expect(await a.slow(4, 0)).toMatchObject({ origin: 'a', execution: 1 });
      expect(await a.slow(4, 0)).toMatchObject({ origin: 'a', execution: 1 });
      expect(await a.executions('slow', 4)).toBe(1);
      const errors = events.filter((event) => event.type === 'error');
      expect(errors).toHaveLength(1);
      expect(String(errors[0].error)).toContain('NOPERM');
    } finally {
      logged.mockRestore();
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await server.stop();
    }
  });

  it('stops waiting once the entry is stored, though the lock is held by a SET whose sender gave up on it', async () => {
    const a = await start('a', { ttl: '6s' });
    const key = apps[0].get(InvalidationService).keyFor(LockedBackend, 'slow', 5, 0);
    // A SET NX that timed out in its sender but reached Redis: nobody extends or releases it.
    const lockKey = new RedisLocks(client, namespace, 6_000, 1_000, 1_000).keyOf(key);
    await client.set(lockKey, 'token-of-a-process-that-gave-up', 'PX', 6_000);
    const waiting = a.slow(5, 0);
    await sleep(100);
    // That process ran the method without the lock, and stored its result.
    const other = await createApp(
      { providers: [Unlocked] },
      { namespace, caches: { default: { store: 'redis', url: redis!.url } } },
    );
    apps.push(other);
    await other.get(Unlocked).slow(5, 0);
    expect(await waiting).toMatchObject({ origin: 'unlocked' });
    expect(await client.pttl(lockKey)).toBeGreaterThan(0);
    expect(await a.executions('slow', 5)).toBe(0);
  });

  it('is released only by its holder', async () => {
    const locks = new RedisLocks(client, namespace, 5_000, 1_000, 1_000);
    const key = `${namespace}:Some.method:1`;
    expect(locks.keyOf(key)).toBe(`${namespace}:__lock:Some.method:1`);

    expect(await locks.acquire(key, 'holder')).toBe(true);
    expect(await locks.acquire(key, 'other')).toBe(false);
    expect(await locks.extend(key, 'other')).toBe(false);
    await locks.release(key, 'other');
    expect(await locks.isHeld(key)).toBe(true);

    expect(await locks.extend(key, 'holder')).toBe(true);
    await locks.release(key, 'holder');
    expect(await locks.isHeld(key)).toBe(false);
  });

  it.each([
    [{ ttl: 'soon' }, `cache alias 'default' (lock.ttl)`],
    [{ wait: -1 }, `cache alias 'default' (lock.wait)`],
    ['10s', `Cache alias 'default' has a lock option that is not an object`],
  ])('refuses lock: %j at bootstrap', async (lock, message) => {
    const bootstrap = start('a', lock as DistributedLockOptions);
    await expect(bootstrap).rejects.toThrow(CacheConfigError);
    await expect(bootstrap).rejects.toThrow(message);
  });
});

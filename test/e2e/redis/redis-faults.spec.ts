import { jest } from '@jest/globals';
import { type INestApplication, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type CacheMemoizeEvent, type CacheMemoizeModuleOptions } from '../../../lib/index.js';
import { Catalog, Reports } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer, waitFor } from '../../support/redis-server.js';

const STORE_TIMEOUT = 200;
/** Far above storeTimeout + the method's own time: only a call that hangs goes past it. */
const NO_HANG = STORE_TIMEOUT + 1_000;

(requireRedisServer() ? describe : describe.skip)('a Redis that fails never fails a call', () => {
  let server: RedisServer;
  let app: INestApplication;
  let catalog: Catalog;
  let events: CacheMemoizeEvent[];
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  beforeAll(async () => {
    server = await RedisServer.start();
    process.on('unhandledRejection', onRejection);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    await server.stop();
  });

  async function start(options: CacheMemoizeModuleOptions = {}): Promise<void> {
    events = [];
    const base: CacheMemoizeModuleOptions = {
      namespace: uniqueNamespace('faults'),
      storeTimeout: STORE_TIMEOUT,
      onEvent: (e) => events.push(e),
    };
    app = await createApp(
      { providers: [Catalog, Reports] },
      { ...base, caches: { default: { store: 'redis', url: server.url } }, ...options },
    );
    catalog = app.get(Catalog);
  }
  afterEach(() => app?.close());

  /** The result, and how long the call took. */
  async function timed<T>(call: () => Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await call();
    return { value, ms: performance.now() - started };
  }

  it('answers from the method while Redis is killed, and caches again once it is back', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      await start();
      expect(await catalog.list(1)).toBe('page 1 v1 by app');
      expect(await catalog.list(1)).toBe('page 1 v1 by app');

      await server.kill('SIGKILL');
      for (let i = 2; i <= 11; i++) {
        const { value, ms } = await timed(() => catalog.list(1));
        expect(value).toBe(`page 1 v${i} by app`);
        expect(ms).toBeLessThan(NO_HANG);
      }
      expect(events.filter((e) => e.type === 'error').length).toBeGreaterThan(0);
      expect(logged.mock.calls.length).toBeGreaterThan(0);
      expect(logged.mock.calls.length).toBeLessThanOrEqual(3);

      await server.restart();
      await waitFor(async () => {
        const before = catalog.calls.list;
        await catalog.list(1);
        await catalog.list(1);
        return catalog.calls.list === before + 1 || catalog.calls.list === before;
      }, 'caching to resume after the restart');
      expect(rejections).toEqual([]);
    } finally {
      logged.mockRestore();
    }
  });

  it('answers within storeTimeout from a Redis that hangs (CLIENT PAUSE)', async () => {
    await start({ onStoreError: 'bypass' });
    await catalog.list(1);
    await server.cli('CLIENT', 'PAUSE', '1500', 'ALL');
    const { value, ms } = await timed(() => catalog.list(1));
    expect(value).toBe('page 1 v2 by app');
    expect(ms).toBeLessThan(NO_HANG);
    expect(events.map((e) => e.type)).toContain('bypass');
    await waitFor(async () => (await server.cli('PING')) === 'PONG', 'the pause to end');
    expect(await catalog.list(1)).toBe('page 1 v1 by app');
    expect(rejections).toEqual([]);
  });

  it('closes its own connection on shutdown, and leaves a client it was given open', async () => {
    const named = async () =>
      (await server.cli('CLIENT', 'LIST')).split('\n').filter((line) => line.includes('name=nestjs-cache-memoize'));
    await start();
    await catalog.list(1);
    expect(await named()).toHaveLength(1);
    await app.close();
    await waitFor(async () => (await named()).length === 0, 'the connection to close');

    const given = new Redis(server.url);
    await start({ caches: { default: { store: 'redis', redis: given } } });
    await catalog.list(1);
    await app.close();
    expect(await given.ping()).toBe('PONG');
    await given.quit();
  });
});

import { jest } from '@jest/globals';
import { Injectable, type INestApplication, Logger } from '@nestjs/common';
import {
  CacheMemoize,
  type CacheMemoizeModuleOptions,
  CacheStoreError,
  InvalidationService,
} from '../../../lib/index.js';
import { Catalog, Reports } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { Gate } from '../../fixtures/gate.js';
import { closeWhenReconnected, requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer } from '../../support/redis-server.js';

@Injectable()
class Prices {
  version = 1;
  readonly gate = new Gate();

  @CacheMemoize('1h')
  async price(id: number): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    return version;
  }
}

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

(requireRedisServer() ? describe : describe.skip)('what callers see when the store fails', () => {
  let server: RedisServer;
  let app: INestApplication;
  const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    logged.mockRestore();
    await server.stop();
  });
  afterEach(async () => {
    if ((await server.cli('PING')) !== 'PONG') await server.restart();
    if (app) await closeWhenReconnected(app);
  });

  async function start(options: CacheMemoizeModuleOptions = {}): Promise<void> {
    app = await createApp(
      { providers: [Catalog, Reports, Prices] },
      {
        namespace: uniqueNamespace('store-errors'),
        storeTimeout: '2s', // a killed server fails calls at once; this only keeps a loaded machine from timing out
        caches: { default: { store: 'redis', url: server.url } },
        ...options,
      },
    );
  }

  it("gives a CacheStoreError, with a code and the store's error as cause, under onStoreError: 'throw'", async () => {
    await start({ onStoreError: 'throw' });
    await app.get(Catalog).list(1);
    await server.kill();
    const error = await rejectionOf(app.get(Catalog).list(1));
    expect(error).toBeInstanceOf(CacheStoreError);
    expect(error).toMatchObject({ code: 'E_CACHE_STORE', name: 'CacheStoreError' });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((error as Error).cause).not.toBeInstanceOf(CacheStoreError);
  });

  it("rejects an invalidation that did not take effect with a CacheStoreError, even under onStoreError: 'bypass'", async () => {
    await start({ onStoreError: 'bypass' });
    const invalidation = app.get(InvalidationService);
    expect(await app.get(Catalog).list(1)).toBe('page 1 v1 by app');
    await server.kill();
    for (const attempt of [
      invalidation.invalidate(Catalog, 'list', 1),
      invalidation.invalidateTags('books'),
      invalidation.invalidatePrefix('Catalog'),
      invalidation.invalidateAll(),
      invalidation.refresh(Catalog, 'list', 1),
    ]) {
      const error = await rejectionOf(attempt);
      expect(error).toBeInstanceOf(CacheStoreError);
      expect((error as CacheStoreError).code).toBe('E_CACHE_STORE');
    }
  });

  it('rejects a refresh whose new value could not be stored', async () => {
    await start();
    const prices = app.get(Prices);
    const invalidation = app.get(InvalidationService);
    expect(await prices.price(1)).toBe(1);
    prices.version = 2;
    prices.gate.close();
    const refreshed = invalidation.refresh(Prices, 'price', 1);
    await prices.gate.whenReached();
    await server.kill();
    prices.gate.openUp();
    expect(await rejectionOf(refreshed)).toBeInstanceOf(CacheStoreError);
  });

  it('resolves an invalidation whose onEvent throws: the marks are written', async () => {
    await start({
      onEvent: (event) => {
        if (event.type === 'invalidate') throw new Error('listener bug');
      },
    });
    const catalog = app.get(Catalog);
    const invalidation = app.get(InvalidationService);
    await catalog.book(1);
    await expect(invalidation.invalidateTags('book:1')).resolves.toBeUndefined();
    await expect(invalidation.invalidatePrefix('Catalog')).resolves.toBeUndefined();
    await expect(invalidation.invalidateAll()).resolves.toBeUndefined();
    await expect(invalidation.invalidate(Catalog, 'list', 1)).resolves.toBeUndefined();
    expect((await catalog.book(1)).version).toBe(2);
  });
});

import { Injectable, type INestApplication, Module } from '@nestjs/common';
import { LazyModuleLoader } from '@nestjs/core';
import { Redis } from 'ioredis';
import { CacheMemoize, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';

const redis = (await provideRedis()) as RedisUnderTest;
afterAll(() => redis?.release());

let price = 10;

@Injectable()
class LazyPrices {
  @CacheMemoize('1h')
  async price(id: number): Promise<string> {
    return `item${id}=${price}`;
  }
}
@Module({ providers: [LazyPrices] })
class LazyPricesModule {}

describe('invalidate() of a provider of a lazy-loaded module, shared Redis', () => {
  let namespace: string;
  let admin: Redis;
  let writer: INestApplication; // another process that already loaded the module and cached a price
  let admin2: INestApplication; // this process: it loaded the module, but has not called the method yet

  beforeEach(async () => {
    price = 10;
    namespace = uniqueNamespace('lazy-inv');
    admin = new Redis(redis.url);
    const options = { namespace, caches: { default: { store: 'redis' as const, url: redis.url } } };
    writer = await createApp({}, options);
    admin2 = await createApp({}, options);
  });
  afterEach(async () => {
    await writer.close();
    await admin2.close();
    await dropNamespace(admin, namespace);
    admin.disconnect();
  });

  it('drops the shared entry when the module is loaded but its provider was not called yet', async () => {
    const w = (await writer.get(LazyModuleLoader).load(() => LazyPricesModule)).get(LazyPrices);
    expect(await w.price(1)).toBe('item1=10');

    price = 20; // the price changes; this process is told to invalidate
    const mine = (await admin2.get(LazyModuleLoader).load(() => LazyPricesModule)).get(LazyPrices);
    await admin2.get(InvalidationService).invalidate(LazyPrices, 'price', 1); // resolves: "done"

    expect(await mine.price(1)).toBe('item1=20');
    expect(await w.price(1)).toBe('item1=20');
  });

  it('peek() sees the shared entry once the module is loaded', async () => {
    const w = (await writer.get(LazyModuleLoader).load(() => LazyPricesModule)).get(LazyPrices);
    expect(await w.price(2)).toBe('item2=10');
    await admin2.get(LazyModuleLoader).load(() => LazyPricesModule);
    expect(await admin2.get(InvalidationService).peek(LazyPrices, 'price', 2)).toBe('item2=10');
  });

  it('refuses, rather than resolve with the shared entry left, before this process loads the module', async () => {
    const w = (await writer.get(LazyModuleLoader).load(() => LazyPricesModule)).get(LazyPrices);
    expect(await w.price(3)).toBe('item3=10');
    // This application cannot know the alias or options of a module it has not loaded.
    await expect(admin2.get(InvalidationService).invalidate(LazyPrices, 'price', 3)).rejects.toThrow(
      /LazyPrices\.price is not a memoized method of a provider in this application.*carries @CacheMemoize/,
    );
  });
});

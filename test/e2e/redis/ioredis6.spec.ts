import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis as Redis6 } from 'ioredis6';
import { CacheMemoize, CacheRegistry, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';

@Injectable()
class Prices {
  runs = 0;

  @CacheMemoize({ ttl: '1m', tags: ['prices'], lock: 'distributed' })
  async of(sku: string): Promise<{ sku: string; at: Date; run: number }> {
    return { sku, at: new Date(1_700_000_000_000), run: ++this.runs };
  }
}

describe('a user-provided ioredis 6 client', () => {
  let redis: RedisUnderTest | undefined;
  let client: Redis6;
  let app: INestApplication;
  let namespace: string;

  beforeAll(async () => {
    redis = await provideRedis();
    if (!redis) return;
    client = new Redis6(redis.url);
    namespace = uniqueNamespace('ioredis6');
    app = await createApp(
      { providers: [Prices] },
      { namespace, caches: { default: { store: 'redis', redis: client } } },
    );
  });
  afterAll(async () => {
    if (!redis) return;
    await app.close();
    await dropNamespace(client as never, namespace);
    await client.quit();
    await redis.release();
  });

  it('is really ioredis 6', async () => {
    if (!redis) return;
    const { default: pkg } = await import('ioredis6/package.json', { with: { type: 'json' } });
    expect(pkg.version).toMatch(/^6\./);
  });

  it('memoizes, locks and invalidates through it', async () => {
    if (!redis) return;
    const prices = app.get(Prices);
    const first = await prices.of('a');
    expect(await prices.of('a')).toEqual(first);
    expect(prices.runs).toBe(1);
    expect(await client.exists(app.get(InvalidationService).keyFor(Prices, 'of', 'a'))).toBe(1);

    await app.get(InvalidationService).invalidateTags('prices');
    expect((await prices.of('a')).run).toBe(2);
  });

  it("serves CacheRegistry's Cache through it", async () => {
    if (!redis) return;
    const cache = app.get(CacheRegistry).get();
    await cache.set('greeting', { text: 'hi', at: new Date(0) }, 60_000);
    expect(await cache.get('greeting')).toEqual({ text: 'hi', at: new Date(0) });
  });

  it('is left open for its owner on shutdown', async () => {
    if (!redis) return;
    const other = await createApp(
      { providers: [Prices] },
      { namespace, caches: { default: { store: 'redis', redis: client } } },
    );
    await other.close();
    expect(await client.ping()).toBe('PONG');
  });
});

import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize, type CacheMemoizeModuleOptions, CacheRegistry } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { sharedRedisCache } from '../../fixtures/http/shared-redis-cache.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';
import { Redis } from 'ioredis';

/** What a spec checks of a value read back: instances of the spec's own classes, not just equal data. */
function sample() {
  return {
    at: new Date(1_700_000_000_123),
    byId: new Map([[1, { name: 'one' }]]),
    labels: new Set(['a', 'b']),
    bytes: Buffer.from('bytes'),
    floats: new Float64Array([1.5, 2.5]),
    pixels: new Uint8Array([1, 2, 3]),
    list: [{ at: new Date(0) }],
    pattern: /x+/gi,
  };
}

@Injectable()
class Samples {
  runs = 0;

  @CacheMemoize('1m')
  async load(): Promise<ReturnType<typeof sample>> {
    this.runs++;
    return sample();
  }
}

function expectOwnRealm(value: ReturnType<typeof sample>): void {
  expect(value.at).toBeInstanceOf(Date);
  expect(value.byId).toBeInstanceOf(Map);
  expect(value.labels).toBeInstanceOf(Set);
  expect(value.bytes).toBeInstanceOf(Buffer);
  expect(value.bytes).toBeInstanceOf(Uint8Array);
  expect(value.floats).toBeInstanceOf(Float64Array);
  expect(value.pixels).toBeInstanceOf(Uint8Array);
  expect(value.list).toBeInstanceOf(Array);
  expect(value.list[0].at).toBeInstanceOf(Date);
  expect(value.pattern).toBeInstanceOf(RegExp);
  expect(value).toBeInstanceOf(Object);
  // toStrictEqual compares constructors too, all the way down.
  expect(value).toStrictEqual(sample());
}

describe('values read back under Jest are instances of the spec’s own classes', () => {
  let redis: RedisUnderTest | undefined;
  beforeAll(async () => (redis = await provideRedis()));
  afterAll(() => redis?.release());

  async function readBack(
    options: CacheMemoizeModuleOptions,
  ): Promise<{ app: INestApplication; value: ReturnType<typeof sample> }> {
    const app = await createApp({ providers: [Samples] }, options);
    const samples = app.get(Samples);
    await samples.load();
    const value = await samples.load();
    expect(samples.runs).toBe(1);
    return { app, value };
  }

  it('from a Redis alias', async () => {
    if (!redis) return;
    const namespace = uniqueNamespace('realm');
    const { app, value } = await readBack({ namespace, caches: { default: { store: 'redis', url: redis.url } } });
    try {
      expectOwnRealm(value);
      const cache = app.get(CacheRegistry).get();
      await cache.set('sample', sample(), 60_000);
      expectOwnRealm((await cache.get<ReturnType<typeof sample>>('sample'))!);
    } finally {
      await app.close();
      const client = new Redis(redis.url);
      await dropNamespace(client, namespace).finally(() => client.disconnect());
    }
  });

  it('from a { cache } alias', async () => {
    if (!redis) return;
    const shared = sharedRedisCache();
    const { app, value } = await readBack({ caches: { default: { cache: shared.cache } } });
    try {
      expectOwnRealm(value);
    } finally {
      await app.close();
      await shared.close();
    }
  });
});

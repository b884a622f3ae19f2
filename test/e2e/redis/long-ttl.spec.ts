import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheConfigError, CacheMemoize } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

const YEAR_MS = 365 * 86_400_000;

@Injectable()
class Archive {
  runs = 0;

  @CacheMemoize('365d')
  async yearly(): Promise<number> {
    return ++this.runs;
  }
}

@Injectable()
class Forever {
  @CacheMemoize(1e20)
  async load(): Promise<number> {
    return 1;
  }
}

(redis ? describe : describe.skip)('the longest ttl on Redis', () => {
  const namespace = uniqueNamespace('longttl');
  let raw: Redis;
  let app: INestApplication | undefined;

  beforeAll(() => (raw = new Redis(redis!.url)));
  afterAll(async () => {
    await app?.close();
    await dropNamespace(raw, namespace);
    await raw.quit();
  });

  it('keeps an entry with the longest allowed ttl, a year, and Redis expires it then', async () => {
    app = await createApp(
      { providers: [Archive] },
      { namespace, caches: { default: { store: 'redis', url: redis!.url } } },
    );
    const archive = app.get(Archive);
    expect(await archive.yearly()).toBe(1);
    expect(await archive.yearly()).toBe(1);
    const ttls: number[] = [];
    for await (const keys of raw.scanStream({ match: `${namespace}:Archive*`, count: 100 })) {
      for (const key of keys as string[]) ttls.push(await raw.pttl(key));
    }
    expect(ttls.length).toBeGreaterThan(0);
    expect(Math.max(...ttls)).toBeGreaterThan(YEAR_MS - 60_000);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(YEAR_MS + 60_000);
  });

  it('refuses a ttl Redis could never keep (1e20 ms) at bootstrap, naming the method, instead of never caching', async () => {
    const booting = createApp(
      { providers: [Forever] },
      { namespace: `${namespace}-x`, caches: { default: { store: 'redis', url: redis!.url } } },
    );
    await expect(booting).rejects.toThrow(CacheConfigError);
    await expect(booting).rejects.toThrow(/Forever\.load \(ttl\) is 100000000000000000000, longer than the year/);
  });
});

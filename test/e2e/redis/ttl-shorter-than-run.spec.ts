import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheMemoize } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';

const redis = (await provideRedis()) as RedisUnderTest;
afterAll(() => redis?.release());

let runs = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class Slow {
  @CacheMemoize({ ttl: '20ms' })
  async load(id: number): Promise<string> {
    runs++;
    await sleep(60);
    return `v${id}`;
  }
}

describe('ttl shorter than the computation, 50 concurrent callers, Redis alias', () => {
  let namespace: string;
  let admin: Redis;
  let app: INestApplication;
  beforeEach(async () => {
    runs = 0;
    namespace = uniqueNamespace('short-ttl');
    admin = new Redis(redis.url);
    app = await createApp(
      { providers: [Slow] },
      { namespace, caches: { default: { store: 'redis', url: redis.url } } },
    );
  });
  afterEach(async () => {
    await app.close();
    await dropNamespace(admin, namespace);
    admin.disconnect();
  });

  it('gives every caller a value and runs the method once', async () => {
    const slow = app.get(Slow);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => slow.load(1)));
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toEqual([]);
    expect(results.map((r) => (r as PromiseFulfilledResult<string>).value)).toEqual(Array(50).fill('v1'));
    expect(runs).toBe(1);
  });

  it('callers arriving during the run (staggered) all get a value and do not each re-run it', async () => {
    const slow = app.get(Slow);
    const calls: Array<Promise<string>> = [];
    for (let i = 0; i < 50; i++) {
      calls.push(slow.load(2));
      if (i % 10 === 9) await sleep(10);
    }
    const results = await Promise.allSettled(calls);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toEqual([]);
    expect(runs).toBeLessThanOrEqual(2);
  });
});

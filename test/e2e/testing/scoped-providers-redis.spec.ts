import { jest } from '@jest/globals';
import { Injectable, type INestApplication, Scope } from '@nestjs/common';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { CacheMemoize, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';

const redis = (await provideRedis()) as RedisUnderTest;
afterAll(() => redis?.release());

let runs = 0;

@Injectable({ scope: Scope.REQUEST })
class Tenant {
  @CacheMemoize('1m')
  async profile(id: number): Promise<string> {
    return `p${id}-${++runs}`;
  }
}

describe('one memory app and one Redis app, built from the same request-scoped class', () => {
  let namespace: string;
  let admin: Redis;
  let memoryApp: INestApplication;
  let redisApp: INestApplication;

  beforeEach(async () => {
    runs = 0;
    namespace = uniqueNamespace('scoped-apps');
    admin = new Redis(redis.url);
    memoryApp = await createApp({ providers: [Tenant] }, { caches: { default: { store: 'memory' } } });
    redisApp = await createApp(
      { providers: [Tenant] },
      { namespace, caches: { default: { store: 'redis', url: redis.url } } },
    );
  });
  afterEach(async () => {
    await redisApp.close();
    await memoryApp.close();
    await dropNamespace(admin, namespace);
    admin.disconnect();
  });

  // A known limit (README, Testing your app): request-scoped and transient providers find their application by class, and the application wired last answers for it.
  it.failing("the memory app's calls never write into the Redis app's store", async () => {
    const mine = await memoryApp.resolve(Tenant);
    expect(await mine.profile(1)).toBe('p1-1');
    const keys = await admin.keys(`${namespace}:*`);
    expect(keys).toEqual([]);
    expect(await redisApp.get(InvalidationService).peek(Tenant, 'profile', 1)).toBeUndefined();
  });

  // A known limit (README, Testing your app): request-scoped and transient providers find their application by class, and the application wired last answers for it.
  it.failing("the memory app's InvalidationService invalidates what its own instances read", async () => {
    const mine = await memoryApp.resolve(Tenant);
    expect(await mine.profile(1)).toBe('p1-1');
    await memoryApp.get(InvalidationService).invalidate(Tenant, 'profile', 1);
    expect(await (await memoryApp.resolve(Tenant)).profile(1)).toBe('p1-2');
  });
});

@Injectable()
class Rates {
  runs = 0;
  @CacheMemoize({ ttl: '1m', refreshAfter: '30s' })
  async eur(): Promise<number> {
    return ++this.runs;
  }
}

describe('a Redis alias under fake timers with refreshAfter', () => {
  let namespace: string;
  let admin: Redis;
  let app: INestApplication | undefined;
  beforeEach(() => {
    namespace = uniqueNamespace('fake-timers-refresh');
    admin = new Redis(redis.url);
  });
  afterEach(async () => {
    jest.useRealTimers();
    await app?.close();
    await dropNamespace(admin, namespace);
    admin.disconnect();
  });

  it('serves the old value past refreshAfter, and the background refresh replaces it', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['nextTick'] });
    app = await createApp(
      { providers: [Rates] },
      { namespace, caches: { default: { store: 'redis', url: redis.url } } },
    );
    const rates = app.get(Rates);
    expect(await rates.eur()).toBe(1);
    expect(await rates.eur()).toBe(1);
    jest.setSystemTime(Date.now() + 31_000);
    expect(await rates.eur()).toBe(1);
    // let the background refresh reach Redis (real I/O)
    for (let i = 0; i < 50 && rates.runs < 2; i++) await new Promise((r) => process.nextTick(r));
    const deadline = performance.now() + 2_000;
    let seen = 1;
    while (seen === 1 && performance.now() < deadline) {
      seen = await rates.eur();
      await new Promise((r) => process.nextTick(r));
    }
    expect(seen).toBe(2);
    expect(rates.runs).toBe(2);
  });
});

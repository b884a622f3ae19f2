import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheMemoize, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { Gate } from '../../fixtures/gate.js';
import { provideRedis, uniqueNamespace } from '../../support/redis-harness.js';

/** The row both processes read. */
const db = { version: 1 };
const gate = new Gate();

@Injectable()
class Posts {
  constructor(private readonly held: boolean) {}

  /** Post 0 is kept an hour (it keeps the method's marks alive); the others a second. */
  @CacheMemoize({ ttl: ({ args }) => (args[0] === 0 ? '1h' : '1s') })
  async post(id: number): Promise<number> {
    const version = db.version;
    if (this.held) await gate.pass();
    return version;
  }
}

const redis = await provideRedis();
afterAll(() => redis?.release());

/**
 * refresh() is an invalidation: once it resolved, no call may receive a value whose computation
 * began before it. Its only trace in Redis is its entry (the clock moves, but no mark, no
 * tombstone and no last-delete stamp are set): when that entry expires (its ttl) before a
 * computation that began before the refresh stores its result, nothing refuses that result.
 */
(redis ? describe : describe.skip)('refresh() on a Redis alias', () => {
  const namespace = uniqueNamespace('refresh-outlived');
  let appA: INestApplication;
  let appB: INestApplication;
  let other: Redis;

  beforeAll(async () => {
    other = new Redis(redis!.url);
    const options = { namespace, caches: { default: { store: 'redis' as const, url: redis!.url } } };
    appA = await createApp({ providers: [{ provide: Posts, useFactory: () => new Posts(true) }] }, options);
    appB = await createApp({ providers: [{ provide: Posts, useFactory: () => new Posts(false) }] }, options);
  });
  afterAll(async () => {
    await appA.close();
    await appB.close();
    other.disconnect();
  });

  it('does not let a computation that began before refresh() store its result once the refreshed entry expired', async () => {
    const postsA = appA.get(Posts);
    const postsB = appB.get(Posts);
    const invalidationB = appB.get(InvalidationService);
    expect(await postsB.post(0)).toBe(1); // the method's marks now exist, for an hour

    // Process A misses post 1 and reads version 1; its computation is held open.
    gate.close();
    const running = postsA.post(1);
    await gate.whenReached();

    // The row changes; process B refreshes post 1: it resolves with version 2.
    db.version = 2;
    expect(await invalidationB.refresh(Posts, 'post', 1)).toBe(2);

    // The refreshed entry lives its ttl (1 s) and expires.
    const key = invalidationB.keyFor(Posts, 'post', 1);
    for (let waited = 0; (await other.exists(key)) === 1; waited += 50) {
      if (waited > 5_000) throw new Error('the refreshed entry never expired');
      await sleep(50);
    }

    // A's computation, begun before the refresh, lands.
    gate.openUp();
    expect(await running).toBe(1);

    // A call that starts after refresh() resolved, in any process, must not get version 1.
    expect(await postsB.post(1)).toBe(2);
  }, 30_000);
});

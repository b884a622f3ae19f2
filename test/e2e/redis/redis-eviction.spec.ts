import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheMemoize, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { Gate } from '../../fixtures/gate.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer } from '../../support/redis-server.js';

@Injectable()
class Posts {
  version = 1;
  readonly gate = new Gate();

  @CacheMemoize({ ttl: '1h', tags: ({ args }) => [`post:${args[0]}`] })
  async post(id: number): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    return version;
  }
}

const VALUE = 'x'.repeat(1_000);

/**
 * A Redis under memory pressure from another application's keys: `maxmemory 4mb` and an
 * `allkeys-*` policy, which may evict any key, the library's marks and tombstones included.
 */
(requireRedisServer() ? describe.each(['allkeys-lru', 'allkeys-lfu']) : describe.skip.each([['none']]))(
  'a Redis with maxmemory-policy %s',
  (policy) => {
    let server: RedisServer;
    let app: INestApplication;
    let other: Redis;
    let posts: Posts;
    let invalidation: InvalidationService;
    const namespace = uniqueNamespace('eviction');
    let filled = 0;

    beforeAll(async () => {
      // Many samples, no LFU decay delay and a counter that grows on every access: eviction picks
      // the coldest key promptly, so the test does not depend on luck to evict the mark.
      const precise = ['--maxmemory-samples', '64', '--lfu-log-factor', '0', '--lfu-decay-time', '0'];
      server = await RedisServer.start({ args: ['--maxmemory', '4mb', '--maxmemory-policy', policy, ...precise] });
      other = new Redis(server.url);
    });
    afterAll(async () => {
      other.disconnect();
      await server.stop();
    });
    beforeEach(async () => {
      app = await createApp(
        { providers: [Posts] },
        { namespace, caches: { default: { store: 'redis', url: server.url } } },
      );
      posts = app.get(Posts);
      invalidation = app.get(InvalidationService);
    });
    afterEach(() => app.close());

    /** Another application writes until `gone` holds, reading `keep` (as a busy entry would be read) in between. */
    async function fillUntil(gone: () => Promise<boolean>, keep?: string): Promise<void> {
      for (let round = 0; round < 400; round++) {
        if (await gone()) return;
        const batch = other.pipeline();
        // The other application reads its keys too (STRLEN: a read with a tiny reply, so replies do not fill
        // the memory), so they are not the least frequently used.
        for (let i = 0; i < 200; i++) {
          const name = `other-app:${filled++}`;
          batch.set(name, VALUE);
          for (let read = 0; read < 30; read++) batch.strlen(name);
          if (keep) batch.strlen(keep);
        }
        await batch.exec();
      }
      throw new Error('the key was never evicted');
    }

    const missing = (key: string) => async () => (await other.exists(key)) === 0;

    it('does not revive an entry whose tag mark was evicted', async () => {
      // The case needs the entry to outlive its mark. The flood reads the entry so that it
      // usually does, but eviction samples keys and may take the entry as well: such a round
      // proves nothing, so another post is tried (at most five).
      for (let id = 101; id <= 105; id++) {
        const key = invalidation.keyFor(Posts, 'post', id);
        posts.version = 1;
        expect(await posts.post(id)).toBe(1);
        expect(await other.exists(key)).toBe(1);
        posts.version = 2;
        await invalidation.invalidateTags(`post:${id}`);
        await fillUntil(missing(`{${namespace}:__marks}:default:tag:post:${id}`), key);
        if ((await other.exists(key)) === 0) continue;
        expect(await posts.post(id)).toBe(2);
        return;
      }
      throw new Error('the entry was evicted with its mark in five rounds out of five');
    });

    it('does not let a computation that began before invalidate() store its result once the tombstone is evicted', async () => {
      const key = invalidation.keyFor(Posts, 'post', 2);
      posts.gate.close();
      const running = posts.post(2);
      await posts.gate.whenReached();
      posts.version = 3;
      await invalidation.invalidate(Posts, 'post', 2);
      await fillUntil(missing(key));
      posts.gate.openUp();
      await running;
      expect(await posts.post(2)).toBe(3);
    });

    it('does not let it store its result once the tombstone, the last delete and the clock are evicted and the clock read again', async () => {
      // Every process reads the alias's clock each second, which re-creates a missing one: an evicted
      // clock must not come back saying nothing was issued lately (it came back a minute behind).
      const key = invalidation.keyFor(Posts, 'post', 3);
      const clock = `{${namespace}:__marks}:default:clock`;
      posts.gate.close();
      const running = posts.post(3);
      await posts.gate.whenReached();
      posts.version = 4;
      await invalidation.invalidate(Posts, 'post', 3);
      await fillUntil(async () => (await other.exists(key, `{${namespace}:__marks}:default:deleted`)) === 0);
      // The clock, read each second, goes too once the flood outpaces that; on a loaded machine it
      // may not, so it is deleted here, as the LRU would.
      await other.unlink(clock);
      for (let waited = 0; (await other.exists(clock)) === 0; waited += 50) {
        if (waited > 5_000) throw new Error('the clock was never read again');
        await sleep(50);
      }
      posts.gate.openUp();
      await running;
      expect(await posts.post(3)).toBe(4);
    });
  },
);

import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheMemoize, type CacheMemoizeModuleOptions, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { Gate } from '../fixtures/gate.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

/** A slow query that reads its row, then waits at the gate: what it returns is the row as it read it. */
@Injectable()
class Posts {
  version = 1;
  readonly gate = new Gate();

  @CacheMemoize({ ttl: '1h', tags: ['posts'] })
  async listed(id: number): Promise<number> {
    return this.read();
  }

  @CacheMemoize({ ttl: '1h', tags: ({ args }) => [`post:${args[0]}`] })
  async post(id: number): Promise<number> {
    return this.read();
  }

  private async read(): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    return version;
  }
}

type Store = 'memory' | 'redis';
const stores: Store[] = redis ? ['memory', 'redis'] : ['memory'];

/** Each way of invalidating, and the method whose entry it drops. */
const kinds: Array<[string, 'listed' | 'post', (invalidation: InvalidationService) => Promise<void>]> = [
  ['invalidateTags (a static tag)', 'listed', (i) => i.invalidateTags('posts')],
  ['invalidateTags (a computed tag)', 'post', (i) => i.invalidateTags('post:1')],
  ['invalidatePrefix (the method)', 'post', (i) => i.invalidatePrefix('Posts.post')],
  ['invalidatePrefix (the class)', 'listed', (i) => i.invalidatePrefix('Posts')],
  ['invalidateAll', 'post', (i) => i.invalidateAll()],
];

describe.each(stores)('a call made after an invalidation resolved, on %s', (store) => {
  const namespace = uniqueNamespace('flights');
  const apps: INestApplication[] = [];

  async function start(): Promise<{ posts: Posts; invalidation: InvalidationService }> {
    const options: CacheMemoizeModuleOptions =
      store === 'redis' ? { namespace, caches: { default: { store: 'redis', url: redis!.url } } } : {};
    const app = await createApp({ providers: [Posts] }, options);
    apps.push(app);
    return { posts: app.get(Posts), invalidation: app.get(InvalidationService) };
  }

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    if (store === 'redis') {
      const client = new Redis(redis!.url);
      await dropNamespace(client, namespace);
      client.disconnect();
    }
  });

  it.each(kinds)('does not join a computation that began before %s', async (_kind, method, invalidate) => {
    const { posts, invalidation } = await start();
    posts.gate.close();
    const running = posts[method](1);
    await posts.gate.whenReached();
    posts.version = 2;
    await invalidate(invalidation);
    const after = posts[method](1);
    posts.gate.openUp();
    expect(await running).toBe(1);
    expect(await after).toBe(2);
    expect(await posts[method](1)).toBe(2);
  });

  if (store === 'redis') {
    it.each(kinds)(
      'in another application, does not receive that application’s older computation after %s',
      async (_kind, method, invalidate) => {
        const reader = await start();
        const writer = await start();
        reader.posts.gate.close();
        const running = reader.posts[method](1);
        await reader.posts.gate.whenReached();
        reader.posts.version = 2;
        writer.posts.version = 2;
        await invalidate(writer.invalidation);
        // Started after the invalidation resolved, in the application whose computation is older.
        const after = reader.posts[method](1);
        reader.posts.gate.openUp();
        expect(await running).toBe(1);
        expect(await after).toBe(2);
        expect(await writer.posts[method](1)).toBe(2);
      },
    );
  }
});

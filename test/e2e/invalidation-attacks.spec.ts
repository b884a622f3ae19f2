import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheMemoize, InvalidationService, type CacheMemoizeModuleOptions } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

/** The source of truth the methods read: a version number, and a switch to make them fail. */
class Source {
  version = 1;
  failing = false;
  /** Set by a test to hold the next computation after it read the version. */
  hold?: Promise<void>;
  reached?: () => void;
}
const source = new Source();

async function read(): Promise<number> {
  const version = source.version;
  if (source.hold) {
    const hold = source.hold;
    source.hold = undefined;
    source.reached?.();
    await hold;
  }
  if (source.failing) throw new Error('source down');
  return version;
}

/** Holds the next computation once it has read the version; returns [reached, release]. */
function holdNext(): [Promise<void>, () => void] {
  let release!: () => void;
  source.hold = new Promise<void>((resolve) => (release = resolve));
  const reached = new Promise<void>((resolve) => (source.reached = resolve));
  return [reached, release];
}

@Injectable()
class Posts {
  @CacheMemoize({ ttl: '300ms', staleIfError: '1h', tags: ['post'], prefix: 'Posts.stale' })
  async stale(id: number): Promise<number> {
    return read();
  }

  @CacheMemoize({ ttl: '1h', refreshAfter: '100ms', tags: ['post'], prefix: 'Posts.swr' })
  async swr(id: number): Promise<number> {
    return read();
  }

  @CacheMemoize({ ttl: '1h', tags: ['post'], prefix: 'Posts.plain' })
  async plain(id: number): Promise<number> {
    return read();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Kind = 'invalidate' | 'invalidateTags' | 'invalidatePrefix' | 'invalidateAll';
const kinds: Kind[] = ['invalidate', 'invalidateTags', 'invalidatePrefix', 'invalidateAll'];

function invalidator(app: INestApplication, method: 'stale' | 'swr' | 'plain') {
  const invalidation = app.get(InvalidationService);
  return (kind: Kind): Promise<void> => {
    switch (kind) {
      case 'invalidate':
        return invalidation.invalidate(Posts, method, 1);
      case 'invalidateTags':
        return invalidation.invalidateTags('post');
      case 'invalidatePrefix':
        return invalidation.invalidatePrefix('Posts');
      case 'invalidateAll':
        return invalidation.invalidateAll();
    }
  };
}

const stores: Array<[string, () => CacheMemoizeModuleOptions['caches']]> = [
  ['memory', () => ({ default: { store: 'memory' } })],
];
if (redis) stores.push(['redis', () => ({ default: { store: 'redis', url: redis.url } })]);

describe.each(stores)('invalidation attacks on a %s alias', (_store, caches) => {
  let app: INestApplication;
  let posts: Posts;
  const namespace = uniqueNamespace('attacks');

  beforeEach(async () => {
    source.version = 1;
    source.failing = false;
    source.hold = undefined;
    app = await createApp({ providers: [Posts] }, { namespace: `${namespace}-${Math.random()}`, caches: caches() });
    posts = app.get(Posts);
  });
  afterEach(() => app.close());
  afterAll(async () => {
    if (!redis) return;
    const client = new Redis(redis.url);
    await dropNamespace(client, namespace);
    client.disconnect();
  });

  it.each(kinds)('staleIfError never serves a value voided by %s', async (kind) => {
    expect(await posts.stale(1)).toBe(1);
    await sleep(500);
    source.version = 2;
    await invalidator(app, 'stale')(kind);
    source.failing = true;
    await expect(posts.stale(1)).rejects.toThrow('source down');
  });

  it.each(kinds)('peek after %s resolved sees nothing', async (kind) => {
    expect(await posts.plain(1)).toBe(1);
    await invalidator(app, 'plain')(kind);
    expect(await app.get(InvalidationService).peek(Posts, 'plain', 1)).toBeUndefined();
  });

  it.each(kinds)(
    'a background refresh (refreshAfter) started before %s never serves its old value after',
    async (kind) => {
      expect(await posts.swr(1)).toBe(1);
      await sleep(200);
      const [reached, release] = holdNext();
      expect(await posts.swr(1)).toBe(1); // due: served, and recomputed in the background
      await reached;
      source.version = 2;
      await invalidator(app, 'swr')(kind);
      const after = posts.swr(1);
      release();
      expect(await after).toBe(2);
      await sleep(50);
      expect(await posts.swr(1)).toBe(2);
    },
  );

  it.each(kinds)('refresh() racing %s: the refresh of old data is not served after the invalidation', async (kind) => {
    expect(await posts.plain(1)).toBe(1);
    const [reached, release] = holdNext();
    const refreshed = app.get(InvalidationService).refresh(Posts, 'plain', 1);
    await reached;
    source.version = 2;
    await invalidator(app, 'plain')(kind);
    release();
    await refreshed.catch(() => undefined);
    expect(await posts.plain(1)).toBe(2);
    expect(await app.get(InvalidationService).peek(Posts, 'plain', 1)).toBe(2);
  });
});

@Injectable()
class Shared {
  @CacheMemoize({ ttl: '1h', tags: ['post'], lock: 'distributed', cache: 'redis', prefix: 'Shared.locked' })
  async locked(id: number): Promise<number> {
    return read();
  }

  @CacheMemoize({ ttl: '1h', tags: ['post'], cache: 'memory', prefix: 'Shared.local' })
  async local(id: number): Promise<number> {
    return read();
  }

  @CacheMemoize({ ttl: '1h', tags: ['post'], cache: 'redis', prefix: 'Shared.remote' })
  async remote(id: number): Promise<number> {
    return read();
  }
}

(redis ? describe : describe.skip)('invalidation attacks across apps and aliases', () => {
  const namespace = uniqueNamespace('attacks-apps');
  let first: INestApplication;
  let second: INestApplication;

  beforeEach(async () => {
    source.version = 1;
    source.failing = false;
    source.hold = undefined;
    const options: CacheMemoizeModuleOptions = {
      namespace: `${namespace}-${Math.random()}`,
      defaultCache: 'memory',
      caches: { memory: { store: 'memory' }, redis: { store: 'redis', url: redis!.url } },
    };
    first = await createApp({ providers: [Shared] }, options);
    second = await createApp({ providers: [Shared] }, options);
  });
  afterEach(async () => {
    await first.close();
    await second.close();
  });
  afterAll(async () => {
    const client = new Redis(redis!.url);
    await dropNamespace(client, namespace);
    client.disconnect();
  });

  it('a call made after invalidateTags resolved, while another app holds the distributed lock over old data, gets new data', async () => {
    const [reached, release] = holdNext();
    const holder = first.get(Shared).locked(1);
    await reached;
    const waiter = second.get(Shared).locked(1);
    source.version = 2;
    await second.get(InvalidationService).invalidateTags('post');
    const after = second.get(Shared).locked(1);
    release();
    expect(await holder).toBe(1);
    await waiter;
    expect(await after).toBe(2);
    expect(await first.get(Shared).locked(1)).toBe(2);
  });

  it('invalidateTags with no alias named voids the tag in every alias, of every app sharing Redis', async () => {
    expect(await first.get(Shared).local(1)).toBe(1);
    expect(await first.get(Shared).remote(1)).toBe(1);
    expect(await second.get(Shared).remote(1)).toBe(1);
    source.version = 2;
    await first.get(InvalidationService).invalidateTags('post');
    expect(await first.get(Shared).local(1)).toBe(2);
    expect(await first.get(Shared).remote(1)).toBe(2);
    expect(await second.get(Shared).remote(1)).toBe(2);
  });
});

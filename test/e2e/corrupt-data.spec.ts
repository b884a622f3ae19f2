import type { INestApplication } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { Redis } from 'ioredis';
import { serialize } from 'node:v8';
import { type CacheMemoizeModuleOptions, InvalidationService } from '../../lib/index.js';
import { Catalog, Reports } from '../fixtures/catalog.service.js';
import { createApp } from '../fixtures/create-app.js';
import { sharedRedisCache } from '../fixtures/http/shared-redis-cache.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

/** µs since the epoch: the unit of stamps in Redis and in a `{ cache }` alias. */
const micros = (ms: number) => Math.round(ms * 1_000);
const FUTURE = micros(Date.UTC(2200, 0, 1));

/** How garbage gets under an alias's keys: raw Redis commands, or the alias's own cache-manager `Cache`. */
interface Target {
  options(namespace: string): CacheMemoizeModuleOptions;
  /** Puts `value` under the key as the other writer would. */
  write(key: string, value: Buffer | string | object): Promise<void>;
  /** What an entry of this alias looks like, so the test can forge one. */
  entry(created: number, body: object | null): Buffer | string;
  markKey(namespace: string, mark: string): string;
  close(): Promise<void>;
}

function redisTarget(): Target {
  const client = new Redis(redis!.url);
  return {
    options: (namespace) => ({ namespace, caches: { default: { store: 'redis', url: redis!.url } } }),
    write: async (key, value) => void (await client.set(key, value as Buffer)),
    entry: (created, body) => Buffer.concat([Buffer.from(`cm1b|${created}|\n`), serialize(body)]),
    markKey: (namespace, mark) => `{${namespace}:__marks}:default:${mark}`,
    close: async () => void client.disconnect(),
  };
}

function cacheTarget(): Target {
  const shared = sharedRedisCache();
  const cache: Cache = shared.cache;
  return {
    options: (namespace) => ({ namespace, caches: { default: { cache } } }),
    write: async (key, value) => void (await cache.set(key, value)),
    entry: (_created, body) => `cm1:${serialize(body).toString('base64')}`,
    markKey: (namespace, mark) => `${namespace}:default:__mark:${mark}`,
    close: () => shared.close(),
  };
}

const targets: Array<[string, () => Target]> = redis
  ? [
      ['a Redis alias', redisTarget],
      ['a { cache } alias', cacheTarget],
    ]
  : [];

(targets.length ? describe.each(targets) : describe.skip.each([['no Redis', redisTarget]]))(
  'damaged data under the keys of %s',
  (_name, makeTarget) => {
    let target: Target;
    let app: INestApplication;
    let catalog: Catalog;
    let invalidation: InvalidationService;
    let namespace: string;

    beforeEach(async () => {
      target = makeTarget();
      namespace = uniqueNamespace('corrupt');
      app = await createApp({ providers: [Catalog, Reports] }, target.options(namespace));
      catalog = app.get(Catalog);
      invalidation = app.get(InvalidationService);
    });
    afterEach(async () => {
      await app.close();
      await target.close();
      const client = new Redis(redis!.url);
      await dropNamespace(client, namespace);
      client.disconnect();
    });

    it('replaces an entry whose body decodes to null with the next result', async () => {
      const key = invalidation.keyFor(Catalog, 'list', 1);
      // Stamped 10 s ago: the next result's stamp is a lower bound of the Redis clock, which a
      // loaded machine (a slow reply to the clock's sample) can put a millisecond or more behind.
      await target.write(key, target.entry(micros(Date.now()) - 10_000_000, null));
      expect(await catalog.list(1)).toBe('page 1 v1 by app');
      expect(await catalog.list(1)).toBe('page 1 v1 by app');
      expect(catalog.calls.list).toBe(1);
    });

    it('replaces an entry stamped in the future, which no invalidation could void', async () => {
      const key = invalidation.keyFor(Catalog, 'book', 1);
      const forged = { value: 'forged', kind: 0, created: FUTURE, freshUntil: Date.now() + 60_000 };
      await target.write(key, target.entry(FUTURE, { ...forged, staleUntil: forged.freshUntil, tags: ['book:1'] }));
      expect(await catalog.book(1)).toMatchObject({ version: 1 });
      expect(await catalog.book(1)).toMatchObject({ version: 1 });
      expect(catalog.calls.book).toBe(1);
      await invalidation.invalidateTags('book:1');
      expect(await catalog.book(1)).toMatchObject({ version: 2 });
    });

    it('replaces a tombstone stamped in the future', async () => {
      const key = invalidation.keyFor(Catalog, 'list', 2);
      await target.write(
        key,
        target.entry(FUTURE, {
          value: undefined,
          kind: 3,
          created: FUTURE,
          freshUntil: Date.now() + 60_000,
          staleUntil: Date.now() + 60_000,
        }),
      );
      await catalog.list(2);
      await catalog.list(2);
      expect(catalog.calls.list).toBe(1);
    });

    it('repairs a mark holding garbage: invalidating it resolves, and it voids until repaired', async () => {
      expect(await catalog.book(3)).toMatchObject({ version: 1 });
      await target.write(target.markKey(namespace, 'tag:book:3'), 'garbage');
      expect(await catalog.book(3)).toMatchObject({ version: 2 });
      expect(await catalog.book(3)).toMatchObject({ version: 2 });
      await target.write(target.markKey(namespace, 'tag:book:3'), 'garbage');
      await expect(invalidation.invalidateTags('book:3')).resolves.toBeUndefined();
      expect(await catalog.book(3)).toMatchObject({ version: 3 });
      expect(await catalog.book(3)).toMatchObject({ version: 3 });
    });
  },
);

import { types } from 'node:util';
import { jest } from '@jest/globals';
import { type INestApplication, Logger } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import {
  type CacheMemoizeEvent,
  CacheRegistry,
  InvalidationService,
  type RedisCacheDefinition,
} from '../../../lib/index.js';
import { Catalog, Reports, typedSample } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideCluster, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';

const single = await provideRedis();
const cluster = await provideCluster();
afterAll(async () => {
  await single?.release();
  await cluster?.stop();
});

/** Clients the tests open themselves (a Cluster is handed to the alias as an instance). */
let opened: Array<Redis | Cluster> = [];
const open = <T extends Redis | Cluster>(client: T): T => (opened.push(client), client);

interface Target {
  name: string;
  definition(): RedisCacheDefinition;
  raw(): Redis | Cluster;
}
const targets: Target[] = [];
if (single)
  targets.push({
    name: 'single Redis',
    definition: () => ({ store: 'redis', url: single.url }),
    raw: () => open(new Redis(single.url)),
  });
if (cluster) {
  const connect = () => open(new Cluster(cluster.startupNodes));
  targets.push({
    name: '3-master Redis Cluster',
    definition: () => ({ store: 'redis', redis: connect() }),
    raw: connect,
  });
}

describe.each(targets.length ? targets : [{ name: 'no Redis' } as Target])('store: redis on $name', (target) => {
  if (!target.raw) return it.skip('needs a Redis (see the message above)', () => undefined);
  let namespace: string;
  let events: CacheMemoizeEvent[];
  let apps: INestApplication[];
  let raw: Redis | Cluster;

  /** An application of this test's namespace; `origin` tells its results apart. */
  async function start(
    origin: string,
    namespace_ = namespace,
  ): Promise<{ app: INestApplication; catalog: Catalog; invalidation: InvalidationService }> {
    const caches = { default: target!.definition() };
    const app = await createApp(
      { providers: [Catalog, Reports] },
      // A generous store timeout: these tests are about sharing, not slowness, and CI machines are loaded.
      { namespace: namespace_, caches, storeTimeout: '5s', onEvent: (event) => events.push(event) },
    );
    apps.push(app);
    const catalog = app.get(Catalog);
    catalog.origin = origin;
    return { app, catalog, invalidation: app.get(InvalidationService) };
  }

  beforeEach(() => {
    namespace = uniqueNamespace('store');
    events = [];
    apps = [];
    raw = target.raw();
  });
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await dropNamespace(raw, namespace);
    await Promise.all(opened.map((client) => client.quit()));
    opened = [];
  });

  const storeErrors = () => events.filter((event) => event.type === 'error' || event.type === 'bypass');

  it('is one cache for every application: one computes, the other hits', async () => {
    const a = await start('A');
    const b = await start('B');
    expect(await a.catalog.book(1)).toEqual({ id: 1, version: 1, origin: 'A' });
    expect(await b.catalog.book(1)).toEqual({ id: 1, version: 1, origin: 'A' });
    expect(b.catalog.calls.book).toBeUndefined();
    expect(storeErrors()).toEqual([]);
  });

  it('gives back every type it was given, in another application', async () => {
    const a = await start('A');
    const b = await start('B');
    await a.catalog.typed();
    const back = await b.catalog.typed();
    expect(b.catalog.calls.typed).toBeUndefined();
    expect(back).toStrictEqual(typedSample());
    // Not toBeInstanceOf: node:v8 builds objects in Node's realm, not in Jest's sandbox.
    expect(types.isDate(back.date)).toBe(true);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(Object.keys(back)).toContain('undef');
  });

  it('keeps entries in Redis for their ttl', async () => {
    const a = await start('A');
    await a.catalog.list(1);
    const ttl = await raw.pttl(a.invalidation.keyFor(Catalog, 'list', 1));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('invalidates a tag for every application before the promise resolves', async () => {
    const a = await start('A');
    const b = await start('B');
    await a.catalog.book(1);
    await a.catalog.book(2);
    await a.catalog.list(1);
    expect(await b.catalog.book(2)).toMatchObject({ origin: 'A' }); // B has read a tagged hit before
    await a.invalidation.invalidateTags('book:1');
    expect(await b.catalog.book(1)).toMatchObject({ origin: 'B' });
    expect(await b.catalog.book(2)).toMatchObject({ origin: 'A' });
    expect(await b.catalog.list(1)).toBe('page 1 v1 by A');
    await b.invalidation.invalidateTags(['books']);
    expect(await a.catalog.book(2)).toMatchObject({ origin: 'A', version: 3 });
  });

  it('invalidates a method prefix, or a whole class by its leading part', async () => {
    const a = await start('A');
    const b = await start('B');
    await a.catalog.book(1);
    await a.catalog.list(1);
    await a.app.get(Reports).daily('mon');
    await a.invalidation.invalidatePrefix('Catalog.book');
    expect(await b.catalog.book(1)).toMatchObject({ origin: 'B' });
    expect(await b.catalog.list(1)).toBe('page 1 v1 by A');
    await a.invalidation.invalidatePrefix('Catalog');
    expect(await b.catalog.list(1)).toBe('page 1 v1 by B');
    expect(await b.app.get(Reports).daily('mon')).toBe('mon v1');
    expect(b.app.get(Reports).calls).toBe(0);
  });

  it('invalidates everything of its namespace, and nothing of another', async () => {
    const a = await start('A');
    const b = await start('B');
    const neighbour = await start('N', `${namespace}-neighbour`);
    await a.catalog.list(1);
    await neighbour.catalog.list(1);
    await b.invalidation.invalidateAll();
    expect(await a.catalog.list(1)).toBe('page 1 v2 by A');
    expect(await neighbour.catalog.list(1)).toBe('page 1 v1 by N');
    await dropNamespace(raw, `${namespace}-neighbour`);
  });

  it('refreshes for everyone, and drops or peeks at one entry', async () => {
    const a = await start('A');
    const b = await start('B');
    await a.catalog.book(1);
    expect(await b.invalidation.refresh(Catalog, 'book', 1)).toMatchObject({ origin: 'B' });
    expect(await a.catalog.book(1)).toMatchObject({ origin: 'B' });
    expect(await a.invalidation.peek(Catalog, 'book', 1)).toMatchObject({ origin: 'B' });
    await a.invalidation.invalidate(Catalog, 'book', 1);
    expect(await b.invalidation.peek(Catalog, 'book', 1)).toBeUndefined();
    expect(await b.catalog.book(1)).toMatchObject({ origin: 'B', version: 2 });
  });

  it('returns a result it cannot encode, stores nothing and names the method once', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const a = await start('A');
      expect((await a.catalog.withFunction()).format()).toBe('v1');
      expect((await a.catalog.withFunction()).format()).toBe('v2');
      const lines = logged.mock.calls
        .map(([message]) => String(message))
        .filter((line) => line.includes('Catalog.withFunction'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('cannot store');
      expect(events.filter((event) => event.type === 'error').map((event) => event.methodName)).toEqual([
        'withFunction',
        'withFunction',
      ]);
    } finally {
      logged.mockRestore();
    }
  });

  it('hands users a cache-manager Cache on the same Redis that keeps types and never flushes', async () => {
    const a = await start('A');
    const b = await start('B');
    const value = { when: new Date(0), seen: new Set(['x']), iso: '2024-01-01T00:00:00.000Z' };
    await a.app.get(CacheRegistry).get().set('greeting', value, 60_000);
    expect(await b.app.get(CacheRegistry).get().get('greeting')).toStrictEqual(value);
    expect(await raw.exists(`${namespace}:greeting`)).toBe(1);
    await a.app
      .get(CacheRegistry)
      .get()
      .clear()
      .catch(() => undefined);
    expect(await raw.exists(`${namespace}:greeting`)).toBe(1);
  });
});

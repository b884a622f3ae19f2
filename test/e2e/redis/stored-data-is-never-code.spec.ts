import { Injectable, type INestApplication } from '@nestjs/common';
import { createCache, KeyvAdapter, type CacheManagerStore } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { CacheMemoize, CacheRegistry, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

declare global {
  var __cacheMemoizePwned: number | undefined;
}

/** What telejson (cache-manager-ioredis-yet's parser) turns into a function that runs this code. */
const CODE =
  '_function_evil|() => { globalThis.__cacheMemoizePwned = (globalThis.__cacheMemoizePwned ?? 0) + 1; return "owned" }';
/** The shapes another app, or an attacker with write access, could leave under a key. */
const PAYLOADS = [
  JSON.stringify(CODE),
  JSON.stringify({ value: CODE, expires: null }),
  JSON.stringify({ value: { nested: [CODE] }, expires: null }),
  JSON.stringify({ v: CODE }),
];

/** Every value read back, searched for a function at any depth. */
function holdsFunction(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value === 'function') return true;
  if (typeof value !== 'object' || value === null || seen.has(value)) return false;
  seen.add(value);
  const parts = value instanceof Map ? [...value.keys(), ...value.values()] : Object.values(value);
  return parts.some((part) => holdsFunction(part, seen));
}

/** Calls every function found in `value`, as a careless consumer of the cache would. */
function callEverything(value: unknown): void {
  if (typeof value === 'function') (value as () => unknown)();
  else if (typeof value === 'object' && value !== null) Object.values(value).forEach(callEverything);
}

@Injectable()
class Profiles {
  runs = 0;

  @CacheMemoize({ ttl: '1m', tags: ['profiles'] })
  async load(id: number): Promise<{ id: number; run: number }> {
    return { id, run: ++this.runs };
  }
}

(redis ? describe : describe.skip)('nothing read from a store ever becomes code', () => {
  let raw: Redis;
  let namespace: string;
  let app: INestApplication | undefined;

  beforeAll(() => (raw = new Redis(redis!.url)));
  afterAll(() => raw.quit());
  beforeEach(() => {
    namespace = uniqueNamespace('nocode');
    globalThis.__cacheMemoizePwned = undefined;
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await dropNamespace(raw, namespace);
  });

  /** Overwrites every key of the namespace with `payload`, the way a hostile writer would. */
  async function plantEverywhere(payload: string): Promise<number> {
    let planted = 0;
    for await (const keys of raw.scanStream({ match: `${namespace}:*`, count: 500 })) {
      for (const key of keys as string[]) {
        const ttl = await raw.pttl(key);
        await raw.set(key, payload, 'PX', ttl > 0 ? ttl : 60_000);
        planted++;
      }
    }
    return planted;
  }

  it.each(PAYLOADS.map((payload, i) => [i, payload]))(
    'CacheRegistry.get(<redis alias>): payload %i reads as absent, never as a function',
    async (_, payload) => {
      app = await createApp({}, { namespace, caches: { default: { store: 'redis', url: redis!.url } } });
      const cache = app.get(CacheRegistry).get();
      await cache.set('user', { name: 'ada' });
      await cache.set('other', 'x');
      expect(await plantEverywhere(payload as string)).toBeGreaterThanOrEqual(2);
      await raw.set(`${namespace}:planted`, payload as string, 'PX', 60_000);

      const read = [
        await cache.get('user'),
        await cache.get('planted'),
        ...(await cache.mget(['user', 'other', 'planted'])),
      ];
      expect(read.some((value) => holdsFunction(value))).toBe(false);
      read.forEach(callEverything);
      expect(read).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(globalThis.__cacheMemoizePwned).toBeUndefined();
    },
  );

  it('CacheRegistry.get(<redis alias>): a string that looks like code is stored and read back as that string', async () => {
    app = await createApp({}, { namespace, caches: { default: { store: 'redis', url: redis!.url } } });
    const cache = app.get(CacheRegistry).get();
    const value = { label: CODE, when: new Date(5), list: [CODE] };
    await cache.set('note', value);
    expect(await cache.get('note')).toEqual(value);
    expect(await cache.mget(['note'])).toEqual([value]);
    expect(globalThis.__cacheMemoizePwned).toBeUndefined();
  });

  it('CacheRegistry.get(<memory alias>): values are kept as given, strings stay strings', async () => {
    app = await createApp({}, { namespace });
    const cache = app.get(CacheRegistry).get();
    await cache.set('note', CODE);
    await cache.set('record', JSON.parse(PAYLOADS[1]!));
    expect(await cache.get('note')).toBe(CODE);
    expect(await cache.get('record')).toEqual({ value: CODE, expires: null });
  });

  it.each(PAYLOADS.map((payload, i) => [i, payload]))(
    'memoized methods on a Redis alias: with payload %i planted on every entry and mark, the method runs again',
    async (_, payload) => {
      app = await createApp(
        { providers: [Profiles] },
        { namespace, caches: { default: { store: 'redis', url: redis!.url } } },
      );
      const profiles = app.get(Profiles);
      await profiles.load(1);
      await app.get(InvalidationService).invalidateTags('other');
      await profiles.load(2);
      expect(await plantEverywhere(payload as string)).toBeGreaterThanOrEqual(2);
      const results = [await profiles.load(1), await profiles.load(2)];
      results.forEach(callEverything);
      expect(results).toEqual([
        { id: 1, run: 3 },
        { id: 2, run: 4 },
      ]);
      expect(globalThis.__cacheMemoizePwned).toBeUndefined();
    },
  );

  it.each(PAYLOADS.map((payload, i) => [i, payload]))(
    'memoized methods on { cache } built on cache-manager-ioredis-yet: payload %i is never handed out',
    async (_, payload) => {
      const client = new Redis(redis!.url);
      const store = redisInsStore(client, {}) as unknown as CacheManagerStore;
      const cache = createCache({ stores: [new Keyv({ store: new KeyvAdapter(store), namespace })] });
      try {
        app = await createApp({ providers: [Profiles] }, { namespace, caches: { default: { cache } } });
        const profiles = app.get(Profiles);
        await profiles.load(1);
        await app.get(InvalidationService).invalidateTags('profiles');
        expect(await plantEverywhere(payload as string)).toBeGreaterThanOrEqual(2);
        const again = await profiles.load(1);
        callEverything(again);
        expect(again).toEqual({ id: 1, run: 2 });
        expect(globalThis.__cacheMemoizePwned).toBeUndefined();
      } finally {
        await app?.close();
        app = undefined;
        client.disconnect();
      }
    },
  );
});

import { setTimeout as sleep } from 'node:timers/promises';
import { type INestApplication, Injectable } from '@nestjs/common';
import { createCache } from 'cache-manager';
import { Redis } from 'ioredis';
import { type CacheDefinition, CacheMemoize, type CacheMemoizeEvent } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { ALIAS_KINDS } from '../support/alias-kinds.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../support/redis-harness.js';
import { waitFor } from '../support/redis-server.js';

/**
 * `refreshAfter` (README, "Refresh ahead"): an entry older than it is returned at once and
 * recomputed once in the background. When that recompute's result is not stored (`unless` keeps
 * out the deleted row, the codec cannot encode it, a `ttl` function's entry has expired before
 * it reaches the store), the freshest answer says the cached value is outdated: the entry is
 * dropped, as refresh() drops it, and the next caller, in any instance, gets the method's answer.
 * A recompute that throws keeps serving the old value (stale if error).
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

const REFRESH_AFTER_MS = 150;

interface Row {
  id: number;
  version: number;
  /** A function (not storable) for `raw`; the ttl in ms for `adaptive`; an Error `find` throws. */
  extra?: unknown;
}

/** The "database": what a computation reads for an id; `null` once the row is deleted. */
const database = new Map<number, Row | null>();

@Injectable()
class Posts {
  /** The common "don't cache not-found" idiom; a row whose `extra` is an Error makes it throw. */
  @CacheMemoize({ ttl: '1m', refreshAfter: REFRESH_AFTER_MS, unless: ({ result }) => result === null })
  async find(id: number): Promise<Row | null> {
    const row = database.get(id) ?? null;
    if (row?.extra instanceof Error) throw row.extra;
    return row;
  }

  @CacheMemoize({ ttl: '1m', refreshAfter: REFRESH_AFTER_MS })
  async raw(id: number): Promise<Row | null | undefined> {
    return database.get(id);
  }

  /** As in refresh-not-stored.spec.ts: with a ttl of 1 ms the large copy makes the entry expire before the store. */
  @CacheMemoize({ clone: true, refreshAfter: REFRESH_AFTER_MS, ttl: ({ result }) => (result as { ttl: number }).ttl })
  async adaptive(id: number): Promise<{ id: number; version: number; ttl: number; rows: number[] }> {
    const row = database.get(id)!;
    return { id, version: row.version, ttl: row.extra as number, rows: Array.from({ length: 400_000 }, (_, i) => i) };
  }
}

/** A `{ cache }` alias: one cache-manager Cache (in memory) that both instances are given. */
const sharedCache = createCache();
const KINDS: Array<[string, (url: string) => CacheDefinition]> = [
  ...(redis ? ALIAS_KINDS : ALIAS_KINDS.slice(0, 1)),
  ['a { cache } alias', () => ({ cache: sharedCache })],
];

function newId(): number {
  return 1 + Math.floor(Math.random() * 1e6);
}

describe.each(KINDS)('a background refresh whose result is not stored, on %s', (_name, definition) => {
  /** A memory alias is one process's: both "instances" are then one application. */
  const shared = (definition('') as { store?: string }).store !== 'memory';
  const warmTier = 'local' in definition('') || !shared ? 'local' : 'remote';
  let namespace: string;
  let apps: INestApplication[];

  beforeEach(() => {
    namespace = uniqueNamespace('refresh-after-not-stored');
    apps = [];
  });
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    if (!redis) return;
    const client = new Redis(redis.url);
    await dropNamespace(client, namespace);
    await client.quit();
  });

  async function instance(events: CacheMemoizeEvent[]) {
    const nest = await createApp(
      { providers: [Posts] },
      { namespace, onEvent: (event) => events.push(event), caches: { default: definition(redis?.url ?? '') } },
    );
    apps.push(nest);
    return { svc: nest.get(Posts), events };
  }

  /**
   * Instances A and B serve `call`'s value from their own tier, then it is due: A's next call
   * returns it and starts the background refresh. Resolves once that refresh has ended.
   */
  async function refreshedInBackground(call: (svc: Posts) => Promise<unknown>, change: () => void) {
    const a = await instance([]);
    const b = shared ? await instance([]) : a;
    for (const { svc, events } of [a, b]) {
      await waitFor(async () => {
        await call(svc);
        return events.at(-1)?.type === 'hit' && events.at(-1)?.tier === warmTier;
      }, 'the value to be served from the cache');
    }
    await sleep(REFRESH_AFTER_MS + 20);
    change();
    const before = a.events.length;
    const served = await call(a.svc);
    expect(a.events[before]?.type).toBe('hit');
    // It ran ('refresh') or threw ('error'); what follows its run (the store, or the drop) takes a round trip or two.
    await waitFor(
      () => a.events.slice(before).some((event) => event.type === 'refresh' || event.type === 'error'),
      'the background refresh',
    );
    await sleep(100);
    return { a, b, served };
  }

  it('a result that unless keeps out (the row was deleted) drops the entry: the next call runs the method', async () => {
    const id = newId();
    database.set(id, { id, version: 1 });
    const { a, b, served } = await refreshedInBackground(
      (svc) => svc.find(id),
      () => database.set(id, null),
    );
    expect(served).toEqual({ id, version: 1 });

    expect(await b.svc.find(id)).toBeNull();
    expect(await a.svc.find(id)).toBeNull();
    expect(b.events.at(-1)?.type).toBe('miss');
  });

  it('a result whose entry expired before it reached the store drops the entry', async () => {
    const id = newId();
    database.set(id, { id, version: 1, extra: 60_000 });
    const { a, b } = await refreshedInBackground(
      (svc) => svc.adaptive(id),
      () => database.set(id, { id, version: 2, extra: 1 }),
    );

    expect((await b.svc.adaptive(id)).version).toBe(2);
    expect((await a.svc.adaptive(id)).version).toBe(2);
  });

  (shared ? it : it.skip)('a result the alias cannot encode drops the entry', async () => {
    const id = newId();
    database.set(id, { id, version: 1 });
    const { a, b } = await refreshedInBackground(
      (svc) => svc.raw(id),
      () => database.set(id, { id, version: 2, extra: () => 'not data' }),
    );

    expect(await b.svc.raw(id)).toMatchObject({ version: 2 });
    expect(await a.svc.raw(id)).toMatchObject({ version: 2 });
  });

  it('a recompute that throws keeps the cached value (stale if error)', async () => {
    const id = newId();
    database.set(id, { id, version: 1 });
    const { a, b } = await refreshedInBackground(
      (svc) => svc.find(id),
      () => database.set(id, { id, version: 2, extra: new Error('database down') }),
    );

    expect(await b.svc.find(id)).toEqual({ id, version: 1 });
    expect(await a.svc.find(id)).toEqual({ id, version: 1 });
  });
});

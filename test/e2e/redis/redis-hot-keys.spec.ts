import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type CacheMemoizeEvent, InvalidationService } from '../../../lib/index.js';
import { Catalog } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer } from '../../support/redis-server.js';
import { ReplyGate } from '../../support/reply-gate.js';

/**
 * Hot keys on a Redis alias: concurrent calls of one key share one read. Commands are
 * counted with INFO commandstats on a private redis-server, so no other traffic counts.
 */
const server = requireRedisServer() ? await RedisServer.start() : undefined;
afterAll(() => server?.stop());

const STORE_TIMEOUT = 300;

(server ? describe : describe.skip)('concurrent calls of one key on a Redis alias', () => {
  let namespace: string;
  let apps: INestApplication[];
  let admin: Redis;
  let events: CacheMemoizeEvent[];

  beforeEach(() => {
    namespace = uniqueNamespace('hotkeys');
    apps = [];
    events = [];
    admin = new Redis(server!.url);
  });
  afterEach(async () => {
    await Promise.all(apps.map((app) => app.close()));
    admin.disconnect();
  });

  async function start(url: string, origin: string): Promise<Catalog> {
    const app = await createApp(
      { providers: [Catalog] },
      {
        namespace,
        storeTimeout: STORE_TIMEOUT,
        onEvent: (e) => events.push(e),
        caches: { default: { store: 'redis', url } },
      },
    );
    apps.push(app);
    const catalog = app.get(Catalog);
    catalog.origin = origin;
    return catalog;
  }

  /** How many times Redis ran `command` since the last reset. */
  async function ran(command: string): Promise<number> {
    const stats = await admin.info('commandstats');
    return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  }

  it('share one read when they start together, and its decoded value, as callers of a memory alias share its entry', async () => {
    const catalog = await start(server!.url, 'one');
    const first = await catalog.typed(); // the miss: computed and stored
    await admin.config('RESETSTAT');

    const results = await Promise.all(Array.from({ length: 50 }, () => catalog.typed()));

    expect(await ran('mget')).toBe(1);
    expect(catalog.calls.typed).toBe(1);
    expect(new Set(results).size).toBe(1); // decoded once
    expect(results[0]).toEqual(first);
    expect(results[0]).not.toBe(first); // but never the miss's own object: that one is its caller's
    expect(Object.prototype.toString.call(results[0]!.date)).toBe('[object Date]');
    expect(events.filter((e) => e.type === 'hit')).toHaveLength(50);
  });

  it('give each caller of a shared read its own copy with clone: true', async () => {
    const catalog = await start(server!.url, 'one');
    const first = await catalog.typedCopy();
    await admin.config('RESETSTAT');

    const results = await Promise.all(Array.from({ length: 50 }, () => catalog.typedCopy()));

    expect(await ran('mget')).toBe(1);
    expect(catalog.calls.typedCopy).toBe(1);
    for (const result of results) expect(result).toEqual(first);
    expect(new Set(results).size).toBe(50);
    expect(new Set(results.map((r) => r.map)).size).toBe(50);
    expect(Object.prototype.toString.call(results[49]!.date)).toBe('[object Date]');
    (results[0]!.map as Map<unknown, unknown>).set('a', 'changed by one caller');
    expect((results[1]!.map as Map<unknown, unknown>).get('a')).toBe(1);
    // The next read decodes afresh: the change reached no store.
    expect(((await catalog.typedCopy()).map as Map<unknown, unknown>).get('a')).toBe(1);
  });

  it('costs a stream of callers on one key far fewer reads than calls', async () => {
    const catalog = await start(server!.url, 'one');
    await catalog.list(1);
    await admin.config('RESETSTAT');

    const CALLERS = 64;
    const ROUNDS = 20;
    const seen = new Set<string>();
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        for (let i = 0; i < ROUNDS; i++) seen.add(await catalog.list(1));
      }),
    );

    expect([...seen]).toEqual(['page 1 v1 by one']);
    // Without sharing this would be 1,280 reads; each read serves about every caller waiting.
    expect(await ran('mget')).toBeLessThanOrEqual((CALLERS * ROUNDS) / 8);
  });

  it('share the next read among callers that start in later turns while one is in flight, sent as soon as it answers', async () => {
    const gate = await ReplyGate.start(server!.port);
    try {
      const catalog = await start(gate.url, 'here');
      expect(await catalog.list(1)).toBe('page 1 v1 by here');
      await admin.config('RESETSTAT');

      gate.close();
      const first = catalog.list(1); // its read is sent at once
      await waitForHeldReply(gate);
      const later: Array<Promise<string>> = [];
      for (let turn = 0; turn < 5; turn++) {
        await new Promise((resolve) => setImmediate(resolve)); // each caller in a turn of its own
        later.push(catalog.list(1));
      }
      expect(await ran('mget')).toBe(1); // they wait: none of them may take the read in flight
      gate.open();

      expect(await Promise.all([first, ...later])).toEqual(Array(6).fill('page 1 v1 by here'));
      expect(await ran('mget')).toBe(2);
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await gate.stop();
    }
  });

  it.each([
    ['invalidate', (inv: InvalidationService) => inv.invalidate(Catalog, 'list', 1)],
    ['invalidatePrefix', (inv: InvalidationService) => inv.invalidatePrefix('Catalog')],
    ['invalidateAll', (inv: InvalidationService) => inv.invalidateAll()],
  ])(
    'never hand a call that starts after %s resolved elsewhere (another app, its own connection) a read sent before it',
    async (_, invalidate) => {
      // This app reaches Redis through a gate that can hold replies back; the other one directly.
      const gate = await ReplyGate.start(server!.port);
      try {
        const here = await start(gate.url, 'here');
        const elsewhere = apps.length;
        await start(server!.url, 'elsewhere');
        expect(await here.list(1)).toBe('page 1 v1 by here');

        gate.close();
        const older = here.list(1); // read sent; Redis answers it, the answer is held on the way
        await waitForHeldReply(gate);
        await invalidate(apps[elsewhere]!.get(InvalidationService));
        const later = here.list(1); // starts after the invalidation resolved
        gate.open();

        expect(await older).toBe('page 1 v1 by here'); // it started before: the old value is its due
        expect(await later).toBe('page 1 v2 by here');
      } finally {
        await Promise.all(apps.splice(0).map((app) => app.close()));
        await gate.stop();
      }
    },
  );

  it('fail every caller of a failed read into the method, none rejected', async () => {
    const catalog = await start(server!.url, 'one');
    await catalog.book(1);
    await catalog.book(1); // a tagged hit: the store reads this method's entries with one script from now on
    const key = apps[0]!.get(InvalidationService).keyFor(Catalog, 'book', 1);
    await admin.del(key);
    await admin.hset(key, 'not', 'an entry'); // the script's GET fails with WRONGTYPE
    await admin.config('RESETSTAT');
    events = [];

    const results = await Promise.all(Array.from({ length: 20 }, () => catalog.book(1)));

    const errors = await admin.info('errorstats');
    expect(Number(/errorstat_WRONGTYPE:count=(\d+)/.exec(errors)?.[1])).toBe(1); // one read, failed once
    expect(results.every((r) => r.id === 1)).toBe(true);
    expect(events.filter((e) => e.type === 'bypass')).toHaveLength(20);
    expect(catalog.calls.book).toBe(1 + 20); // the miss, then every caller through the method
  });

  it('give up on a read that does not answer within storeTimeout, for every caller waiting on it', async () => {
    const gate = await ReplyGate.start(server!.port);
    try {
      const catalog = await start(gate.url, 'here');
      await catalog.list(1);
      gate.close();
      const results = await Promise.all(Array.from({ length: 20 }, () => catalog.list(1)));
      expect(new Set(results).size).toBeGreaterThan(0);
      expect(results.every((r) => r.startsWith('page 1 v'))).toBe(true);
      expect(events.filter((e) => e.type === 'bypass')).toHaveLength(20);
      gate.open();
    } finally {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await gate.stop();
    }
  });
});

async function waitForHeldReply(gate: ReplyGate): Promise<void> {
  const until = Date.now() + 5_000;
  while (gate.heldBytes === 0) {
    if (Date.now() > until) throw new Error('Redis never answered the read');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { serialize } from 'node:v8';
import { InvalidationService } from '../../../lib/index.js';
import { Catalog } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { REDIS_ALIAS_KINDS } from '../../support/alias-kinds.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';

/**
 * An entry's stamp is judged against the Redis clock, never this host's: a host clock (or a
 * test's fake `Date`) hours behind Redis must not refuse good entries, and one hours ahead
 * must not accept a forged entry stamped in the future. Checked on the first read after
 * startup, which leaves before the client has sampled the Redis clock (it connects lazily).
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

const micros = (ms: number) => Math.round(ms * 1_000);
const HOUR = 3_600_000;

(redis ? describe.each(REDIS_ALIAS_KINDS) : describe.skip.each(REDIS_ALIAS_KINDS))(
  '%s, first read after startup',
  (_, definition) => {
    const realNow = Date.now;
    let namespace: string;
    let apps: INestApplication[];
    let admin: Redis;

    beforeEach(() => {
      namespace = uniqueNamespace('ftreview');
      admin = new Redis((redis as RedisUnderTest).url);
      apps = [];
    });
    afterEach(async () => {
      jest.useRealTimers();
      Date.now = realNow;
      for (const app of apps) await app.close();
      await dropNamespace(admin, namespace);
      admin.disconnect();
    });

    async function start(origin: string): Promise<Catalog> {
      const app = await createApp(
        { providers: [Catalog] },
        { namespace, caches: { default: definition((redis as RedisUnderTest).url) } },
      );
      apps.push(app);
      const catalog = app.get(Catalog);
      catalog.origin = origin;
      return catalog;
    }

    it('a fake Date months back does not refuse an entry another process stored', async () => {
      expect(await (await start('a')).list(1)).toBe('page 1 v1 by a');
      jest.useFakeTimers({ now: realNow() - 300 * 24 * HOUR, doNotFake: ['nextTick'] });
      const b = await start('b');
      expect(await b.list(1)).toBe('page 1 v1 by a');
      expect(b.calls.list).toBeUndefined();
    });

    it('a host clock two hours behind Redis does not refuse an entry another process stored', async () => {
      expect(await (await start('a')).list(1)).toBe('page 1 v1 by a');
      Date.now = () => realNow() - 2 * HOUR;
      const b = await start('b');
      expect(await b.list(1)).toBe('page 1 v1 by a');
      expect(b.calls.list).toBeUndefined();
    });

    it('a fake Date years ahead does not make a forged far-future entry usable', async () => {
      expect(await (await start('a')).list(1)).toBe('page 1 v1 by a'); // its marks exist now
      const key = apps[0]!.get(InvalidationService).keyFor(Catalog, 'list', 1);
      const fakeNow = realNow() + 3 * 365 * 24 * HOUR;
      const forgedAt = micros(realNow() + 365 * 24 * HOUR); // a year ahead of Redis, two behind the fake Date
      const body = {
        value: 'forged',
        kind: 0,
        created: forgedAt,
        freshUntil: fakeNow + 60_000,
        staleUntil: fakeNow + 60_000,
      };
      await admin.set(key, Buffer.concat([Buffer.from(`cm1b|${forgedAt}|\n`), serialize(body)]), 'PX', 60_000);
      jest.useFakeTimers({ now: fakeNow, doNotFake: ['nextTick'] });
      const b = await start('b');
      expect(await b.list(1)).toBe('page 1 v1 by b');
      expect(await b.list(1)).toBe('page 1 v1 by b');
    });
  },
);

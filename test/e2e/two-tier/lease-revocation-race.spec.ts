import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CacheMemoizeEvent, InvalidationService } from '../../../lib/index.js';
import { Catalog } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

/**
 * Process B (through a proxy) holds a local copy; it is cut off, and process A invalidates
 * the key: A's call resolves once B's lease must have run out. A call on B made right after
 * must not get the value A replaced. A hit reads the wall clock only; under fake timers `Date`
 * stands still, so only B's revocation timer ends its lease. Set for just after the lease's
 * end, it ran after A's acknowledgement timer in about 40% of rounds, and B served the
 * replaced value; it now revokes a little before the end.
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

const LEASE_MS = 60;
const ROUNDS = Number(process.env.LEASE_RACE_ROUNDS ?? 60);
const LOCAL_COPY_WAIT_MS = 20_000;

const clocks: Array<[string, 'real' | 'fake']> = [
  ['real timers', 'real'],
  ['Jest fake timers', 'fake'],
];

(redis ? describe.each(clocks) : describe.skip.each(clocks))(
  'a call after an invalidation, on a cut-off process (%s)',
  (_, clock) => {
    it('never gets the value the invalidation replaced', async () => {
      const namespace = uniqueNamespace('leaserace');
      const url = (redis as RedisUnderTest).url;
      const proxy = await TcpProxy.start(Number(new URL(url).port));
      const events: CacheMemoizeEvent[] = [];
      if (clock === 'fake') jest.useFakeTimers({ doNotFake: ['nextTick'] });
      const options = (u: string, onEvent?: (e: CacheMemoizeEvent) => void) => ({
        namespace,
        storeTimeout: 30,
        onEvent,
        caches: { default: { store: 'redis' as const, url: u, local: { lease: LEASE_MS } } },
      });
      const appA: INestApplication = await createApp({ providers: [Catalog] }, options(url));
      const appB: INestApplication = await createApp(
        { providers: [Catalog] },
        options(proxy.url, (e) => events.push(e)),
      );
      const a = appA.get(Catalog);
      const b = appB.get(Catalog);
      a.origin = 'a';
      b.origin = 'b';
      const invalidation = appA.get(InvalidationService);
      const stale: string[] = [];
      try {
        for (let round = 0; round < ROUNDS; round++) {
          const old = await a.list(round);
          // B keeps a copy only while it holds its lease, which a starved event loop (a loaded CI
          // machine) may not renew for a while: it is waited for on the clock, not for a number of tries.
          const giveUpAt = performance.now() + LOCAL_COPY_WAIT_MS;
          for (;;) {
            if (performance.now() > giveUpAt) throw new Error(`B never served a local copy in round ${round}`);
            const got = await b.list(round);
            if (got === old && events.at(-1)?.tier === 'local') break;
            await sleep(5);
          }
          await sleep(Math.random() * (LEASE_MS / 4));
          proxy.partitioned = true;
          await invalidation.invalidate(Catalog, 'list', round);
          const after = await b.list(round);
          if (after === old) stale.push(`round ${round}: ${after}`);
          proxy.partitioned = false;
          await sleep(LEASE_MS);
        }
      } finally {
        jest.useRealTimers();
        await appA.close();
        await appB.close();
        await proxy.stop();
        const admin = new Redis(url);
        await dropNamespace(admin, namespace);
        admin.disconnect();
      }
      expect(stale).toEqual([]);
    }, 120_000);
  },
);

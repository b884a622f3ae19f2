import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheMemoize, type CacheMemoizeEvent, CacheMemoizeModule } from '../../../lib/index.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer, waitFor } from '../../support/redis-server.js';

/**
 * The lease of a two-tier alias against the two ways a process's clocks can mislead it.
 * A hit reads the wall clock (`Date.now()`) only: a wall clock set back must not stretch
 * the lease (a timer on the monotonic clock ends it), and a host resumed from suspend, whose
 * monotonic clock stood still while the wall clock moved on, must not serve what it kept.
 * The wall clock is moved by replacing `Date.now` in this process: no test may step the
 * machine's clock.
 */
const server = requireRedisServer() ? await RedisServer.start() : undefined;
afterAll(() => server?.stop());

const LEASE_MS = 400;

@Injectable()
class Prices {
  calls = 0;

  @CacheMemoize('1m')
  async price(id: number): Promise<number> {
    this.calls++;
    return id;
  }
}

(server ? describe : describe.skip)('the lease of a local tier, when the wall clock misleads', () => {
  const realNow = Date.now;
  let close: () => Promise<void>;
  let prices: Prices;
  let events: CacheMemoizeEvent[];

  beforeEach(async () => {
    events = [];
    @Module({
      imports: [
        CacheMemoizeModule.forRoot({
          namespace: uniqueNamespace('lease-clocks'),
          storeTimeout: 200,
          caches: { default: { store: 'redis', url: server!.url, local: { lease: LEASE_MS } } },
          onEvent: (event) => events.push(event),
        }),
      ],
      providers: [Prices],
    })
    class AppModule {}
    const app = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication();
    await app.init();
    close = () => app.close();
    prices = app.get(Prices);
    await waitFor(async () => {
      await prices.price(1);
      return events.at(-1)?.tier === 'local';
    }, 'the lease');
  });
  afterEach(async () => {
    Date.now = realNow;
    server!.thaw();
    await close();
  });

  const localHits = () => events.filter((event) => event.type === 'hit' && event.tier === 'local').length;

  it('ends when the monotonic clock says so, though the wall clock was set back an hour', async () => {
    server!.freeze(); // no heartbeat comes back any more; the subscription stays open
    Date.now = () => realNow() - 3_600_000;
    await sleep(LEASE_MS + 100);
    const before = localHits();
    await prices.price(1); // Redis does not answer: the method runs (onStoreError 'bypass')
    expect(localHits()).toBe(before);
    expect(events.at(-1)).toMatchObject({ type: 'bypass' });
  });

  it('serves nothing kept before a suspend (the wall clock jumped ahead) until a heartbeat is heard again', async () => {
    const calls = prices.calls;
    Date.now = () => realNow() + 10_000; // a 10 s suspend: well past the lease, within the ttl
    const before = localHits();
    await prices.price(1);
    expect(localHits()).toBe(before); // read from Redis instead
    expect(events.at(-1)).toMatchObject({ type: 'hit', tier: 'remote' });
    await waitFor(async () => {
      await prices.price(1);
      return events.at(-1)?.tier === 'local';
    }, 'the lease to be renewed on the new wall-clock time');
    expect(prices.calls).toBe(calls);
  });
});

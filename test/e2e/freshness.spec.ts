import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize, type CacheMemoizeEvent, CacheMemoizeTimeoutError } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { useFakeClock } from '../fixtures/fake-clock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class Prices {
  version = 1;
  executions = 0;
  fail = false;
  delayMs = 0;

  private async compute(): Promise<number> {
    this.executions++;
    await sleep(this.delayMs);
    if (this.fail) throw new Error('pricing backend down');
    return this.version;
  }

  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async refreshed(): Promise<number> {
    return this.compute();
  }

  @CacheMemoize({ ttl: '10s', staleIfError: '1h' })
  async failSafe(): Promise<number> {
    return this.compute();
  }

  @CacheMemoize({ ttl: '10s', staleIfError: '1h', timeout: '30ms' })
  async soft(): Promise<number> {
    return this.compute();
  }

  @CacheMemoize({ ttl: '10s', hardTimeout: '30ms' })
  async hard(): Promise<number> {
    return this.compute();
  }

  @CacheMemoize({ ttl: '10s', staleIfError: '1h', hardTimeout: '30ms' })
  async hardWithStale(): Promise<number> {
    return this.compute();
  }
}

describe('freshness and failure', () => {
  let app: INestApplication;
  let prices: Prices;
  let clock: ReturnType<typeof useFakeClock>;
  const events: CacheMemoizeEvent[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(() => process.on('unhandledRejection', onUnhandled));
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
  beforeEach(async () => {
    events.length = 0;
    clock = useFakeClock();
    app = await createApp({ providers: [Prices] }, { onEvent: (event) => events.push(event) });
    prices = app.get(Prices);
  });
  afterEach(async () => {
    clock.restore();
    await app.close();
  });

  it('refreshAfter: returns the entry at once and recomputes it once in the background', async () => {
    expect(await prices.refreshed()).toBe(1);
    prices.version = 2;
    prices.delayMs = 20;
    clock.advance(11_000);
    const during = await Promise.all(Array.from({ length: 10 }, () => prices.refreshed()));
    expect(during).toEqual(Array(10).fill(1));
    await sleep(60);
    expect(prices.executions).toBe(2);
    expect(await prices.refreshed()).toBe(2);
    expect(events.filter((e) => e.type === 'refresh')).toHaveLength(1);
  });

  it('refreshAfter: a failing background refresh keeps the old value and is retried on a later hit', async () => {
    await prices.refreshed();
    prices.fail = true;
    clock.advance(11_000);
    expect(await prices.refreshed()).toBe(1);
    await sleep(10);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
    prices.fail = false;
    prices.version = 3;
    expect(await prices.refreshed()).toBe(1);
    await sleep(10);
    expect(await prices.refreshed()).toBe(3);
    expect(prices.executions).toBe(3);
  });

  it('staleIfError: serves the expired value when the recompute fails, until the window ends', async () => {
    expect(await prices.failSafe()).toBe(1);
    prices.fail = true;
    clock.advance(11_000);
    expect(await prices.failSafe()).toBe(1);
    expect(events.at(-1)).toMatchObject({
      type: 'stale',
      error: expect.objectContaining({ message: 'pricing backend down' }),
    });
    clock.advance(3_600_000);
    await expect(prices.failSafe()).rejects.toThrow('pricing backend down');
  });

  it('staleIfError: a successful recompute replaces the expired value', async () => {
    await prices.failSafe();
    prices.version = 2;
    clock.advance(11_000);
    expect(await prices.failSafe()).toBe(2);
  });

  it('timeout: serves the stale value when the recompute is slow, and stores the recompute when it lands', async () => {
    await prices.soft();
    prices.version = 2;
    prices.delayMs = 100;
    clock.advance(11_000);
    expect(await prices.soft()).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: 'stale' });
    await sleep(120);
    expect(await prices.soft()).toBe(2);
    expect(prices.executions).toBe(2);
  });

  it('hardTimeout: rejects a recompute slower than it with CacheMemoizeTimeoutError', async () => {
    prices.delayMs = 100;
    const error = await prices.hard().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheMemoizeTimeoutError);
    expect((error as Error).message).toMatch(/Prices\.hard did not finish within its hardTimeout of 30ms/);
  });

  it('hardTimeout with staleIfError: serves the stale value instead', async () => {
    await prices.hardWithStale();
    prices.delayMs = 100;
    clock.advance(11_000);
    expect(await prices.hardWithStale()).toBe(1);
    await sleep(120);
  });
});

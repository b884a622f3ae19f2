import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { CacheMemoize, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

@Injectable()
class Prices {
  calls: unknown[] = [];
  failing = false;

  @CacheMemoize({ ttl: '1m', staleIfError: '1m', tags: ['prices'] })
  async quote(input: unknown): Promise<{ input: unknown; call: number }> {
    if (this.failing) throw new Error('pricing service down');
    this.calls.push(input);
    return { input, call: this.calls.length };
  }

  @CacheMemoize({ ttl: '1m', clone: true })
  async basket(id: number): Promise<{ items: string[] }> {
    this.calls.push(id);
    return { items: ['tea'] };
  }
}

describe('the memory hit path', () => {
  let app: INestApplication;
  let prices: Prices;

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    app = await createApp({ providers: [Prices] });
    prices = app.get(Prices);
  });
  afterEach(async () => {
    await app.close();
    jest.useRealTimers();
  });

  it('keeps primitives of different types or signs apart, and hits each on the second call', async () => {
    const inputs: unknown[] = [1, '1', 0, -0, true, 1n, NaN, 'NaN', '', null, undefined];
    for (const input of inputs) await prices.quote(input);
    const first = prices.calls.length;
    for (const input of inputs) expect((await prices.quote(input)).input).toBe(input);
    expect(first).toBe(inputs.length);
    expect(prices.calls).toHaveLength(inputs.length);
  });

  it('hits for long string arguments, whose keys are hashed', async () => {
    const long = 'x'.repeat(500);
    await prices.quote(long);
    expect(await prices.quote(long)).toEqual({ input: long, call: 1 });
    expect(app.get(InvalidationService).keyFor(Prices, 'quote', long)).toMatch(/^Prices\.quote:#/);
  });

  it('still hits every argument after more distinct arguments than it remembers keys for', async () => {
    for (let id = 0; id < 5_000; id++) await prices.quote(id);
    expect(await prices.quote(0)).toEqual({ input: 0, call: 1 });
    expect(await prices.quote(4_999)).toEqual({ input: 4_999, call: 5_000 });
    expect(prices.calls).toHaveLength(5_000);
  });

  it('serves a hit until the ttl, then runs the method again', async () => {
    await prices.quote(7);
    jest.advanceTimersByTime(59_999);
    expect(await prices.quote(7)).toEqual({ input: 7, call: 1 });
    jest.advanceTimersByTime(1);
    expect(await prices.quote(7)).toEqual({ input: 7, call: 2 });
  });

  it('serves the stale value past the ttl when the method fails, and nothing past staleIfError', async () => {
    await prices.quote(7);
    prices.failing = true;
    jest.advanceTimersByTime(90_000);
    expect(await prices.quote(7)).toEqual({ input: 7, call: 1 });
    jest.advanceTimersByTime(30_000);
    await expect(prices.quote(7)).rejects.toThrow('pricing service down');
  });

  it('stops hitting once a tag or the whole cache is invalidated', async () => {
    const invalidation = app.get(InvalidationService);
    await prices.quote(7);
    await invalidation.invalidateTags('prices');
    expect(await prices.quote(7)).toEqual({ input: 7, call: 2 });
    await invalidation.invalidateAll();
    expect(await prices.quote(7)).toEqual({ input: 7, call: 3 });
    expect(await prices.quote(7)).toEqual({ input: 7, call: 3 });
  });

  it('hands out a fresh copy on every hit with clone: true', async () => {
    const first = await prices.basket(1);
    first.items.push('stolen');
    const second = await prices.basket(1);
    expect(second).toEqual({ items: ['tea'] });
    expect(second).not.toBe(await prices.basket(1));
    expect(prices.calls).toEqual([1]);
  });
});

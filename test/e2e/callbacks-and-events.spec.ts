import { Injectable, type INestApplication } from '@nestjs/common';
import {
  CacheMemoize,
  type CacheMemoizeEvent,
  CacheMemoizeStats,
  InvalidationService,
  type MemoizeContext,
} from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

const hits: MemoizeContext[] = [];
const misses: MemoizeContext[] = [];

@Injectable()
class Taxes {
  calls = 0;

  @CacheMemoize({ ttl: '1m', onHit: (ctx) => hits.push(ctx), onMiss: (ctx) => misses.push(ctx) })
  async calculate(user: { id: number }, rate = 0.1): Promise<number> {
    this.calls++;
    return user.id * rate;
  }

  @CacheMemoize({ ttl: '1m', skip: ({ args: [user] }) => user === undefined })
  async forUser(user?: string): Promise<string> {
    this.calls++;
    return `for ${user ?? 'nobody'}`;
  }

  @CacheMemoize({ ttl: '1m', unless: ({ result }) => (result as number[]).length === 0 })
  async search(query: string): Promise<number[]> {
    this.calls++;
    return query ? [1] : [];
  }
}

describe('callbacks, events and stats', () => {
  let app: INestApplication;
  let taxes: Taxes;
  const events: CacheMemoizeEvent[] = [];

  beforeEach(async () => {
    hits.length = misses.length = events.length = 0;
    app = await createApp({ providers: [Taxes] }, { onEvent: (event) => events.push(event) });
    taxes = app.get(Taxes);
  });
  afterEach(() => app.close());

  it('calls onMiss and onHit with the original arguments, once per call', async () => {
    const ada = { id: 10 };
    await taxes.calculate(ada);
    await taxes.calculate(ada);
    await taxes.calculate(ada, 0.2);
    const equalButNotSame = { id: 10 };
    await taxes.calculate(equalButNotSame);
    expect(misses.map((ctx) => ctx.args)).toEqual([[ada], [ada, 0.2]]);
    expect(hits.map((ctx) => ctx.args)).toEqual([[ada], [ada]]);
    expect(hits[1].args[0]).toBe(equalButNotSame);
    expect(hits[0]).toMatchObject({
      className: 'Taxes',
      methodName: 'calculate',
      result: 1,
      key: 'Taxes.calculate:{"id":10}',
    });
    expect(hits[0].instance).toBe(taxes);
    expect(hits[0].args[0]).toBe(ada);
  });

  it('skip calls straight through, without reading or writing', async () => {
    await taxes.forUser();
    await taxes.forUser();
    await taxes.forUser('ada');
    await taxes.forUser('ada');
    expect(taxes.calls).toBe(3);
    expect(events.filter((e) => e.type === 'bypass')).toHaveLength(2);
  });

  it('unless keeps a result out of the cache', async () => {
    await taxes.search('');
    await taxes.search('');
    await taxes.search('x');
    await taxes.search('x');
    expect(taxes.calls).toBe(3);
  });

  it('emits hit, miss and invalidate events naming the cache, key and method', async () => {
    await taxes.calculate({ id: 1 });
    await taxes.calculate({ id: 1 });
    await app.get(InvalidationService).invalidate(Taxes, 'calculate', { id: 1 });
    await app.get(InvalidationService).invalidateTags('t');
    const key = 'Taxes.calculate:{"id":1}';
    expect(events.map(({ type, cache, key }) => ({ type, cache, key }))).toEqual([
      { type: 'miss', cache: 'default', key },
      { type: 'hit', cache: 'default', key },
      { type: 'invalidate', cache: 'default', key },
      { type: 'invalidate', cache: 'default', key: 't' },
    ]);
    expect(events[0]).toMatchObject({ className: 'Taxes', methodName: 'calculate' });
    expect(events[0].durationMs).toBeGreaterThanOrEqual(0);
  });

  it('counts hits, misses and recompute time per method', async () => {
    await taxes.calculate({ id: 1 });
    await taxes.calculate({ id: 1 });
    await taxes.calculate({ id: 1 });
    await taxes.calculate({ id: 2 });
    const stats = app.get(CacheMemoizeStats).snapshot();
    expect(stats['Taxes.calculate']).toMatchObject({ cache: 'default', hits: 2, misses: 2, stale: 0, errors: 0 });
    expect(stats['Taxes.calculate'].meanRecomputeMs).toBeGreaterThanOrEqual(0);
    expect(stats['Taxes.search']).toMatchObject({ hits: 0, misses: 0, meanRecomputeMs: 0 });
  });

  it('keeps serving when a callback or onEvent throws', async () => {
    const failing = await createApp(
      { providers: [Taxes] },
      {
        onEvent: () => {
          throw new Error('listener bug');
        },
      },
    );
    try {
      const service = failing.get(Taxes);
      expect(await service.calculate({ id: 3 })).toBeCloseTo(0.3);
      expect(await service.calculate({ id: 3 })).toBeCloseTo(0.3);
      expect(service.calls).toBe(1);
    } finally {
      await failing.close();
    }
  });
});

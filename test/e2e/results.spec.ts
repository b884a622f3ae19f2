import { Injectable, type INestApplication } from '@nestjs/common';
import { EMPTY, lastValueFrom, Observable, of, toArray } from 'rxjs';
import { CacheMemoize } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { useFakeClock } from '../fixtures/fake-clock.js';

@Injectable()
class Results {
  calls = 0;
  failures = 0;

  @CacheMemoize('1m')
  async value<T>(value: T): Promise<T> {
    this.calls++;
    return value;
  }

  @CacheMemoize('1m')
  async flaky(failFirst: boolean): Promise<string> {
    this.calls++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (failFirst && this.failures++ === 0) throw new Error('backend down');
    return 'ok';
  }

  @CacheMemoize('1m')
  stream(count: number): Observable<number> {
    this.calls++;
    return count === 0 ? EMPTY : of(...Array.from({ length: count }, (_, i) => i + 1));
  }

  @CacheMemoize({ ttl: '1m', clone: true })
  async settings(): Promise<{ theme: string; tags: string[] }> {
    this.calls++;
    return { theme: 'dark', tags: ['a'] };
  }

  /** Parses what a user sent, as a controller or queue consumer would. */
  @CacheMemoize({ ttl: '1m', clone: true })
  async parsed(json: string): Promise<Record<string, unknown>> {
    this.calls++;
    return JSON.parse(json) as Record<string, unknown>;
  }

  @CacheMemoize({ ttl: '10s', storeResult: false })
  async sendReport(user: string): Promise<string> {
    this.calls++;
    return `sent to ${user}`;
  }

  @CacheMemoize({ ttl: '1m', tags: () => 'not-a-list' as unknown as string[] })
  async badlyTagged(): Promise<number> {
    return ++this.calls;
  }

  @CacheMemoize({ ttl: ({ result }) => (result as { maxAge: string }).maxAge })
  async fetchWithMaxAge(maxAge: string): Promise<{ maxAge: string; n: number }> {
    return { maxAge, n: ++this.calls };
  }
}

describe('results', () => {
  let app: INestApplication;
  let results: Results;

  beforeEach(async () => {
    app = await createApp({ providers: [Results] });
    results = app.get(Results);
  });
  afterEach(() => app.close());

  it.each([null, undefined, 0, '', false, NaN])('caches %p like any other value', async (value) => {
    expect(await results.value(value)).toBe(value);
    expect(await results.value(value)).toBe(value);
    expect(results.calls).toBe(1);
  });

  it('never caches an error, and gives it to every concurrent caller', async () => {
    const calls = Array.from({ length: 5 }, () => results.flaky(true));
    const settled = await Promise.allSettled(calls);
    expect(settled.map((s) => s.status)).toEqual(Array(5).fill('rejected'));
    expect(settled.map((s) => (s as PromiseRejectedResult).reason.message)).toEqual(Array(5).fill('backend down'));
    expect(results.calls).toBe(1);
    expect(await results.flaky(true)).toBe('ok');
    expect(results.calls).toBe(2);
  });

  it('caches an Observable as its last value and replays it as an Observable, miss and hit alike', async () => {
    const first = results.stream(3);
    expect(first).toBeInstanceOf(Observable);
    expect(results.calls).toBe(0); // lazy, like the method's own Observable
    expect(await lastValueFrom(first.pipe(toArray()))).toEqual([3]);
    expect(await lastValueFrom(results.stream(3).pipe(toArray()))).toEqual([3]);
    expect(await lastValueFrom(results.stream(0).pipe(toArray()))).toEqual([]);
    expect(await lastValueFrom(results.stream(0).pipe(toArray()))).toEqual([]);
    expect(results.calls).toBe(2);
  });

  it('hands out copies with clone, so callers cannot change the cached value', async () => {
    const first = await results.settings();
    first.theme = 'light';
    first.tags.push('b');
    const second = await results.settings();
    expect(second).toEqual({ theme: 'dark', tags: ['a'] });
    second.tags.push('c');
    expect(await results.settings()).toEqual({ theme: 'dark', tags: ['a'] });
    expect(results.calls).toBe(1);
  });

  it("keeps a user's own __proto__ field as data with clone, never as the copy's prototype", async () => {
    const json = '{"name":"mallory","__proto__":{"isAdmin":true},"nested":{"__proto__":{"isAdmin":true}}}';
    for (const copy of [await results.parsed(json), await results.parsed(json)]) {
      expect(copy.isAdmin).toBeUndefined();
      expect((copy.nested as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.getOwnPropertyNames(copy)).toEqual(['name', '__proto__', 'nested']);
      expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual(JSON.parse('{"isAdmin":true}'));
    }
    expect(results.calls).toBe(1);
  });

  it('returns but does not cache a result whose tags function returns something else than a list', async () => {
    expect(await results.badlyTagged()).toBe(1);
    expect(await results.badlyTagged()).toBe(2);
  });

  describe('with a fake clock', () => {
    let clock: ReturnType<typeof useFakeClock>;
    beforeEach(() => (clock = useFakeClock()));
    afterEach(() => clock.restore());

    it('serves an entry until its ttl, then runs the method again', async () => {
      await results.value('a');
      clock.advance(59_999);
      await results.value('a');
      expect(results.calls).toBe(1);
      clock.advance(1);
      await results.value('a');
      expect(results.calls).toBe(2);
    });

    it('runs a guarded method once per ttl: its result first, then undefined', async () => {
      expect(await results.sendReport('ada')).toBe('sent to ada');
      expect(await results.sendReport('ada')).toBeUndefined();
      clock.advance(9_000);
      expect(await results.sendReport('ada')).toBeUndefined();
      expect(await results.sendReport('bob')).toBe('sent to bob');
      clock.advance(1_000);
      expect(await results.sendReport('ada')).toBe('sent to ada');
      expect(results.calls).toBe(3);
    });

    it('takes the ttl from a function of the result', async () => {
      await results.fetchWithMaxAge('10s');
      await results.fetchWithMaxAge('2m');
      clock.advance(30_000);
      expect((await results.fetchWithMaxAge('10s')).n).toBe(3);
      expect((await results.fetchWithMaxAge('2m')).n).toBe(2);
    });
  });
});

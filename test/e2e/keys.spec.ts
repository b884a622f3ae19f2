import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheKeyError, CacheMemoize, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

@Injectable()
class Catalog {
  calls = 0;
  /** Not serializable, and must never reach a key. */
  readonly self = this;

  @CacheMemoize('5m')
  async search(...args: unknown[]): Promise<number> {
    return ++this.calls;
  }

  @CacheMemoize({ ttl: '5m', key: (user: { id: number; name: string }) => user.id })
  async profile(user: { id: number; name: string }): Promise<string> {
    this.calls++;
    return `${user.name}#${this.calls}`;
  }
}

@Injectable()
class Inventory {
  calls = 0;

  @CacheMemoize('5m')
  async search(...args: unknown[]): Promise<string> {
    return `inventory-${++this.calls}`;
  }
}

@Injectable()
class Randomness {
  calls = 0;

  @CacheMemoize({ ttl: '5m', prefix: 'randomness' })
  async first(): Promise<number> {
    return ++this.calls;
  }

  @CacheMemoize({ ttl: '5m', prefix: 'randomness' })
  async second(): Promise<number> {
    return ++this.calls;
  }
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('cache keys', () => {
  let app: INestApplication;
  let catalog: Catalog;

  beforeEach(async () => {
    app = await createApp({ providers: [Catalog, Inventory, Randomness] });
    catalog = app.get(Catalog);
  });
  afterEach(() => app.close());

  it('does not depend on the order of object keys', async () => {
    const first = await catalog.search({ page: 1, sort: 'title', filter: { a: 1, b: [1, 2] } });
    expect(await catalog.search({ filter: { b: [1, 2], a: 1 }, sort: 'title', page: 1 })).toBe(first);
    expect(catalog.calls).toBe(1);
  });

  it('tells apart values of different types that print alike', async () => {
    const values = [1, '1', 1n, true, 'true', null, 'null', undefined, [1], '[1]', new Date(1), 0, -0, NaN, 'NaN'];
    const results = [];
    for (const value of values) results.push(await catalog.search('x', value));
    expect(new Set(results).size).toBe(values.length);
  });

  it('keeps argument boundaries: (a:b, c) and (a, b:c) differ', async () => {
    const ab = await catalog.search('a:b', 'c');
    const bc = await catalog.search('a', 'b:c');
    const quoted = await catalog.search('a","b', 'c');
    expect(new Set([ab, bc, quoted]).size).toBe(3);
  });

  it('treats Maps, Sets and class instances by content', async () => {
    const map = await catalog.search(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(
      await catalog.search(
        new Map([
          ['b', 2],
          ['a', 1],
        ]),
      ),
    ).toBe(map);
    const set = await catalog.search(new Set([1, 2]));
    expect(await catalog.search(new Set([2, 1]))).toBe(set);
    const point = await catalog.search(new Point(1, 2));
    expect(await catalog.search(new Point(1, 2))).toBe(point);
    expect(await catalog.search({ x: 1, y: 2 })).not.toBe(point);
    expect(catalog.calls).toBe(4);
  });

  it('never shares entries between two classes with the same method name', async () => {
    expect(await catalog.search('q')).toBe(1);
    expect(await app.get(Inventory).search('q')).toBe('inventory-1');
    const invalidation = app.get(InvalidationService);
    expect(invalidation.keyFor(Catalog, 'search', 'q')).not.toBe(invalidation.keyFor(Inventory, 'search', 'q'));
  });

  it('leaves the instance out of the key and never serializes it', async () => {
    const key = app.get(InvalidationService).keyFor(Catalog, 'search', 'q');
    expect(key).toBe('Catalog.search:"q"');
    expect(await catalog.search('q')).toBe(await catalog.search('q'));
  });

  it('shares entries between methods given the same prefix', async () => {
    const randomness = app.get(Randomness);
    const first = await randomness.first();
    expect(await randomness.second()).toBe(first);
    expect(randomness.calls).toBe(1);
  });

  it('uses `key` in place of the arguments for calls, invalidate and keyFor', async () => {
    expect(await catalog.profile({ id: 7, name: 'Ada' })).toBe('Ada#1');
    expect(await catalog.profile({ id: 7, name: 'Ada Lovelace' })).toBe('Ada#1');
    const invalidation = app.get(InvalidationService);
    expect(invalidation.keyFor(Catalog, 'profile', { id: 7, name: 'anything' })).toBe('Catalog.profile:7');
    await invalidation.invalidate(Catalog, 'profile', { id: 7, name: 'other' });
    expect(await catalog.profile({ id: 7, name: 'Ada' })).toBe('Ada#2');
  });

  it('hashes long encodings and keeps the prefix readable', async () => {
    const key = app.get(InvalidationService).keyFor(Catalog, 'search', 'x'.repeat(500));
    expect(key).toMatch(/^Catalog\.search:#[\w-]{43}$/);
    expect(await catalog.search('x'.repeat(500))).toBe(await catalog.search('x'.repeat(500)));
    expect(await catalog.search('x'.repeat(501))).not.toBe(await catalog.search('x'.repeat(500)));
  });

  it('rejects arguments that cannot be keyed, naming class, method and position', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(catalog.search(1, () => 1)).rejects.toThrow(CacheKeyError);
    await expect(catalog.search(1, () => 1)).rejects.toThrow(/Catalog\.search: argument 1 is a function.*key/);
    await expect(catalog.search(Symbol('s'))).rejects.toThrow(/argument 0 is a symbol/);
    await expect(catalog.search({ a: cyclic })).rejects.toThrow(/argument 0 \(value\.a\.self\) is a cycle/);
    expect(catalog.calls).toBe(0);
  });

  it('never shares an entry between values that only looked alike, and refuses what it cannot see', async () => {
    class Session {
      #token: string;
      constructor(token: string) {
        this.#token = token;
      }
      get token() {
        return this.#token;
      }
    }
    const first = await catalog.search(new Array(1));
    expect(await catalog.search([])).not.toBe(first);
    expect(
      await catalog.search(
        new (class {
          page = 1;
        })(),
      ),
    ).not.toBe(await catalog.search({ page: 1 }));
    await expect(catalog.search(new Session('a'))).rejects.toThrow(
      /Catalog\.search: argument 0 is a Session with #private fields.*key/,
    );
    await expect(catalog.search({ [Symbol('s')]: 1 })).rejects.toThrow(CacheKeyError);
    await expect(catalog.search(Object.assign([1], { page: 2 }))).rejects.toThrow(/an Array with fields of its own/);
  });

  it('drops trailing undefined arguments: f(1) and f(1, undefined) are one call', async () => {
    expect(await catalog.search(1)).toBe(await catalog.search(1, undefined));
  });
});

import { Injectable, Module } from '@nestjs/common';
import { bootstrapFailure } from '../fixtures/create-app.js';
import { Test } from '@nestjs/testing';
import {
  CacheConfigError,
  CacheMemoize,
  CacheMemoizeConfig,
  CacheMemoizeModule,
  type CacheMemoizeModuleOptions,
  type MemoizeOptions,
} from '../../lib/index.js';

/** Bootstraps an app with one provider whose method carries `options`; resolves to the error raised. */
async function bootstrapError(options: MemoizeOptions, root: CacheMemoizeModuleOptions = {}): Promise<Error> {
  @Injectable()
  class Reports {
    @CacheMemoize(options)
    async daily(): Promise<number> {
      return 1;
    }
  }
  return bootstrapWith([Reports], root);
}

function bootstrapWith(providers: Function[], root: CacheMemoizeModuleOptions): Promise<Error> {
  return bootstrapFailure({ imports: [CacheMemoizeModule.forRoot(root)], providers: providers as never[] });
}

describe('configuration mistakes fail at bootstrap with a CacheConfigError', () => {
  it.each([
    ['5 minutes', /Invalid duration "5 minutes" for Reports\.daily \(ttl\).*'5m'/],
    ['0s', /Invalid duration "0s"/],
    [-1, /Invalid duration -1/],
    [Number.NaN, /Invalid duration NaN for Reports\.daily \(ttl\)/],
    [1e20, /Reports\.daily \(ttl\) is 100000000000000000000, longer than the year an entry can be kept/],
    ['366d', /Reports\.daily \(ttl\) is "366d", longer than the year/],
    ['1y', /Invalid duration "1y"/],
  ])('a bad ttl (%p), naming the method', async (ttl, message) => {
    const error = await bootstrapError({ ttl });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(message);
  });

  it.each([
    [{ onStoreError: 'throws' }, /forRoot\(\{ onStoreError \}\) is "throws": use 'bypass'/],
    [{ onEvent: 'log' }, /forRoot\(\{ onEvent \}\) must be a function/],
    [{ storeTimeout: '30d' }, /forRoot\(\{ storeTimeout \}\) is "30d", longer than Node's timers/],
  ])('a bad forRoot option %p', async (root, message) => {
    const error = await bootstrapWith([], root as unknown as CacheMemoizeModuleOptions);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(message);
  });

  it('two classes of one name, which would share entries', async () => {
    const first = (() => {
      @Injectable()
      class Items {
        @CacheMemoize('1m')
        async list(): Promise<string> {
          return 'catalog';
        }
      }
      return Items;
    })();
    const second = (() => {
      @Injectable()
      class Items {
        @CacheMemoize('1m')
        async list(): Promise<string> {
          return 'orders';
        }
      }
      return Items;
    })();
    const error = await bootstrapWith([first, second], {});
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/Two different classes both make the default prefix of Items\.list/);
  });

  it('one class provided by two modules with different forFeature defaults', async () => {
    @Injectable()
    class Repo {
      @CacheMemoize()
      async find(): Promise<number> {
        return 1;
      }
    }
    @Module({ imports: [CacheMemoizeModule.forFeature({ ttl: '1m' })], providers: [Repo] })
    class ModuleA {}
    @Module({ imports: [CacheMemoizeModule.forFeature({ ttl: '2m' })], providers: [Repo] })
    class ModuleB {}
    const error = await Test.createTestingModule({ imports: [CacheMemoizeModule.forRoot(), ModuleA, ModuleB] })
      .compile()
      .then((moduleRef) => moduleRef.createNestApplication({ logger: false }).init())
      .then(
        () => new Error('bootstrap succeeded'),
        (failure: Error) => failure,
      );
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(
      /Repo\.find is provided by two modules with different CacheMemoizeModule\.forFeature\(\) defaults/,
    );
  });

  it('a bad duration in forRoot, naming the option', async () => {
    const error = await bootstrapWith([], { storeTimeout: 'soon' });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/"soon" for forRoot\(\{ storeTimeout \}\)/);
  });

  it('an unknown alias, naming the method and the known aliases', async () => {
    const error = await bootstrapError({ cache: 'redis-eu' });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/Unknown cache alias 'redis-eu' used by Reports\.daily\. Known aliases: 'default'/);
  });

  it('an unknown defaultCache', async () => {
    const error = await bootstrapWith([], { defaultCache: 'main' });
    expect(error.message).toMatch(/Unknown cache alias 'main' used by forRoot\(\{ defaultCache \}\)/);
  });

  it('an unknown alias in @CacheMemoizeConfig', async () => {
    @CacheMemoizeConfig({ cache: 'nowhere' })
    @Injectable()
    class Configured {
      @CacheMemoize()
      async load(): Promise<number> {
        return 1;
      }
    }
    const error = await bootstrapWith([Configured], {});
    expect(error.message).toMatch(/'nowhere' used by Configured\.load/);
  });

  it.each([
    [{ ttl: '1m', refreshAfter: '2m' }, /Reports\.daily has refreshAfter at or past its ttl/],
    [{ timeout: '1s' }, /Reports\.daily sets timeout.*add staleIfError/],
    [{ staleIfError: '1h', timeout: '2s', hardTimeout: '1s' }, /hardTimeout at or below timeout/],
    [{ lock: 'distributed' as const }, /lock: 'distributed', but cache 'default' is not a Redis alias/],
    [
      { vary: ['accept-language'] },
      /Reports\.daily sets vary, which only applies to HTTP handlers and GraphQL resolvers/,
    ],
    [{ prefix: '' }, /Reports\.daily has an empty prefix/],
    [{ prefix: 5 }, /Reports\.daily has prefix 5, which is not a string/],
    [
      { ttl: '1h', staleIfError: '365d' },
      /Reports\.daily \(ttl \+ staleIfError\) is "3600000ms \+ 31536000000ms", longer than the year/,
    ],
    [{ tags: 'books' }, /Reports\.daily gives tags that are neither a list of non-empty strings nor a function/],
    [{ tags: ['books', ''] }, /gives tags that are neither/],
    [{ lock: 'distribute' }, /Reports\.daily gives lock "distribute": use 'process'/],
    [{ key: 'id' }, /Reports\.daily gives key that is not a function/],
    [{ skip: true }, /Reports\.daily gives skip that is not a function/],
    [{ hardTimeout: '30d' }, /Reports\.daily \(hardTimeout\) is "30d", longer than Node's timers can wait/],
  ])('conflicting options %p', async (options, message) => {
    const error = await bootstrapError(options as MemoizeOptions);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(message);
  });

  it.each([
    [{ caches: {} }, /declares no cache/],
    [
      { defaultCache: 'main', caches: { main: { store: 'disk' } } } as never,
      /Cache alias 'main' must be \{ store: 'memory' \}/,
    ],
    [{ defaultCache: 'main', caches: { main: { store: 'memory', max: 0 } } }, /Cache alias 'main' has max 0/],
    [{ caches: { default: { store: 'memory', ttl: 'never' } } } as never, /"never" for cache alias 'default' \(ttl\)/],
    [
      { caches: { default: { store: 'redis', url: 'redis://127.0.0.1:6379', ttl: 1e20 } } },
      /cache alias 'default' \(ttl\) is 100000000000000000000, longer than the year/,
    ],
    [{ ttl: 1e20 }, /forRoot\(\{ ttl \}\) is 100000000000000000000, longer than the year/],
  ])('a bad cache definition %#', async (root, message) => {
    const error = await bootstrapWith([], root as CacheMemoizeModuleOptions);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(message);
  });

  it('the decorator applied twice, at class definition', () => {
    expect(() => {
      class Twice {
        @CacheMemoize('1m')
        @CacheMemoize('2m')
        async load(): Promise<number> {
          return 1;
        }
      }
      return Twice;
    }).toThrow(/@CacheMemoize is applied twice to Twice\.load/);
  });

  it('every error carries a stable code', async () => {
    const error = await bootstrapError({ ttl: 'x' });
    expect((error as CacheConfigError).code).toBe('E_CACHE_CONFIG');
  });
});

import { Injectable, Module } from '@nestjs/common';
import { bootstrapFailure } from '../fixtures/create-app.js';
import { Test } from '@nestjs/testing';
import {
  CacheConfigError,
  CacheMemoize,
  CacheMemoizeConfig,
  CacheMemoizeModule,
  type CacheMemoizeModuleOptions,
  CacheRegistry,
  InvalidationService,
} from '../../lib/index.js';

/** Compiles and starts an app from `imports`; resolves to the error it raised. */
function bootstrapFailureOf(imports: unknown[], providers: Function[] = []): Promise<Error> {
  return bootstrapFailure({ imports: imports as never[], providers: providers as never[] });
}

/** What a decorator application threw, as the class was defined. */
function definitionFailure(define: () => unknown): Error {
  try {
    define();
  } catch (error) {
    return error as Error;
  }
  throw new Error('the class was defined');
}

@Injectable()
class Reports {
  @CacheMemoize('1m')
  async daily(): Promise<number> {
    return 1;
  }
}

describe('configuration that used to do nothing, silently, is a CacheConfigError naming the culprit', () => {
  it.each<[string, object, RegExp]>([
    [
      'forRoot',
      { namesapce: 'blog' },
      /CacheMemoizeModule\.forRoot\(\) has an option 'namesapce' that CacheMemoizeModule does not know: did you mean 'namespace'\?/,
    ],
    [
      'a memory cache',
      { caches: { default: { store: 'memory', maxx: 5 } } },
      /Cache alias 'default' has an option 'maxx'.*'max'/,
    ],
    [
      'a Redis cache',
      { caches: { default: { store: 'redis', url: 'redis://127.0.0.1:1', prefix: 'x' } } },
      /Cache alias 'default' has an option 'prefix'/,
    ],
    [
      "a Redis cache's lock",
      { caches: { default: { store: 'redis', url: 'redis://127.0.0.1:1', lock: { ttl: '1s', wiat: '2s' } } } },
      /Cache alias 'default' \(lock\) has an option 'wiat'.*did you mean 'wait'/,
    ],
  ])('an unknown option name in %s', async (_, options, message) => {
    const error = await bootstrapFailureOf([CacheMemoizeModule.forRoot(options as CacheMemoizeModuleOptions)]);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(message);
  });

  it('an unknown option name in a { cache } definition', async () => {
    const existing = await Test.createTestingModule({ imports: [CacheMemoizeModule.forRoot()] }).compile();
    const cache = existing.get(CacheRegistry).get();
    const error = await bootstrapFailureOf([
      CacheMemoizeModule.forRoot({ caches: { default: { cache, tll: '1m' } as never } }),
    ]);
    expect(error.message).toMatch(/Cache alias 'default' has an option 'tll'.*did you mean 'ttl'/);
    await existing.close();
  });

  it('a forRootAsync factory that returns no object', async () => {
    const error = await bootstrapFailureOf([
      CacheMemoizeModule.forRootAsync({ useFactory: () => null as unknown as CacheMemoizeModuleOptions }),
    ]);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/forRoot\(\) options are null: give an object/);
  });

  it('an unknown option name in a forRootAsync factory result', async () => {
    const error = await bootstrapFailureOf([
      CacheMemoizeModule.forRootAsync({ useFactory: () => ({ tll: '5m' }) as CacheMemoizeModuleOptions }),
    ]);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/forRoot\(\) has an option 'tll'.*did you mean 'ttl'/);
  });

  it('an unknown option name in @CacheMemoize, @CacheMemoizeConfig and forFeature', async () => {
    @Injectable()
    class Typo {
      @CacheMemoize({ ttl: '1m', tagz: ['a'] } as never)
      async load(): Promise<number> {
        return 1;
      }
    }
    @CacheMemoizeConfig({ cahce: 'default' } as never)
    @Injectable()
    class ClassTypo {
      @CacheMemoize()
      async load(): Promise<number> {
        return 1;
      }
    }
    const onMethod = await bootstrapFailureOf([CacheMemoizeModule.forRoot()], [Typo]);
    expect(onMethod).toBeInstanceOf(CacheConfigError);
    expect(onMethod.message).toMatch(/@CacheMemoize\(\) on Typo\.load has an option 'tagz'.*did you mean 'tags'/);
    const onClass = await bootstrapFailureOf([CacheMemoizeModule.forRoot()], [ClassTypo]);
    expect(onClass.message).toMatch(/@CacheMemoizeConfig\(\) on ClassTypo has an option 'cahce'.*did you mean 'cache'/);
    expect(() => CacheMemoizeModule.forFeature({ ttl: '1m', stale: '1h' } as never)).toThrow(
      /CacheMemoizeModule\.forFeature\(\) has an option 'stale'/,
    );
  });

  it('@CacheMemoize on a static method, as the class is defined', () => {
    const error = definitionFailure(() => {
      class Tools {
        @CacheMemoize('1m')
        static async version(): Promise<string> {
          return '1';
        }
      }
      return Tools;
    });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/@CacheMemoize on the static method Tools\.version.*instance method of a provider/);
  });

  it('@CacheMemoize on a getter or on an arrow-function field', () => {
    const onGetter = definitionFailure(() => {
      class Clock {
        @(CacheMemoize('1m') as unknown as MethodDecorator)
        get now(): Promise<number> {
          return Promise.resolve(Date.now());
        }
      }
      return Clock;
    });
    expect(onGetter).toBeInstanceOf(CacheConfigError);
    expect(onGetter.message).toMatch(/@CacheMemoize on Clock\.now, which is an accessor: it decorates methods only/);
    const onField = definitionFailure(() => {
      class Handlers {
        @(CacheMemoize('1m') as unknown as PropertyDecorator)
        load = async (): Promise<number> => 1;
      }
      return Handlers;
    });
    expect(onField).toBeInstanceOf(CacheConfigError);
    expect(onField.message).toMatch(/@CacheMemoize on Handlers\.load, a field \(an arrow function\?\)/);
  });

  it('@CacheMemoize on a method declared to return something else than a Promise or an Observable', async () => {
    @Injectable()
    class Maths {
      @(CacheMemoize('1m') as unknown as MethodDecorator)
      sum(a: number, b: number): number {
        return a + b;
      }
    }
    const error = await bootstrapFailureOf([CacheMemoizeModule.forRoot()], [Maths]);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/Maths\.sum is memoized but returned a Number \(its declared return type\)/);
  });

  it('a sync method whose return type is not declared: every call rejects with a CacheConfigError saying what it returned, nothing is cached', async () => {
    @Injectable()
    class Legacy {
      calls = 0;
      @(CacheMemoize('1m') as unknown as MethodDecorator)
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      total(n: number): any {
        this.calls++;
        return n * 2;
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      providers: [Legacy],
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    const legacy = app.get(Legacy);
    for (let i = 0; i < 2; i++) {
      await expect(legacy.total(2)).rejects.toThrow(CacheConfigError);
      await expect(legacy.total(2)).rejects.toThrow(
        /Legacy\.total is memoized but returned a number, not a Promise or an Observable/,
      );
    }
    expect(legacy.calls).toBe(4);
    await app.close();
  });

  it('forFeature in an application without forRoot, naming the module', async () => {
    @Module({ imports: [CacheMemoizeModule.forFeature({ ttl: '5m' })], providers: [Reports] })
    class ReportsModule {}
    const error = await bootstrapFailureOf([ReportsModule]);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(
      /forFeature\(\) is imported by ReportsModule, but the application has no CacheMemoizeModule\.forRoot\(\)/,
    );
  });

  it('two forRoot in one application (a feature module first), naming both importers', async () => {
    @Module({ imports: [CacheMemoizeModule.forRoot({ ttl: '5m' })], providers: [Reports] })
    class ReportsModule {}
    const error = await bootstrapFailureOf([ReportsModule, CacheMemoizeModule.forRoot({ namespace: 'app' })]);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/forRoot\(\) is imported more than once in this application \(by .*ReportsModule/);
    expect(error.message).toMatch(/InvalidationService would only reach one of them/);
  });

  it('one forRoot, and forFeature in several modules, still starts and invalidates what it memoized', async () => {
    @Module({ imports: [CacheMemoizeModule.forFeature({ ttl: '5m' })], providers: [Reports], exports: [Reports] })
    class ReportsModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [ReportsModule, CacheMemoizeModule.forRoot()],
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    await app.get(Reports).daily();
    await app.get(InvalidationService).invalidate(Reports, 'daily');
    await app.close();
  });
});

import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnModuleInit, Scope } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheConfigError, CacheMemoize, CacheMemoizeModule, InvalidationService } from '../../../lib/index.js';
import { bootstrapFailure, createApp } from '../../fixtures/create-app.js';

let runs = 0;

describe('a compile()-only spec module with a configuration mistake, next to plain unit tests', () => {
  @Injectable()
  class Misconfigured {
    @CacheMemoize({ ttl: 'soonish' })
    async load(): Promise<number> {
      return ++runs;
    }
  }

  @Injectable()
  class Unrelated {
    @CacheMemoize('1m')
    async load(): Promise<number> {
      return ++runs;
    }
  }

  let broken: TestingModule;
  beforeEach(async () => {
    runs = 0;
    broken = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      providers: [Misconfigured],
    }).compile();
  });
  afterEach(() => broken.close());

  it("a plain `new Unrelated()` unit test is not handed the other module's error", async () => {
    // An instance Nest did not create runs the original method (trampoline.ts, wiring.spec).
    const plain = new Unrelated();
    await expect(plain.load()).resolves.toBe(1);
  });

  it("the misconfigured module's own first call still reports its CacheConfigError", async () => {
    // some other unit test ran first (whatever it got)
    await Promise.resolve()
      .then(() => new Unrelated().load())
      .catch(() => undefined);
    await expect(Promise.resolve().then(() => broken.get(Misconfigured).load())).rejects.toBeInstanceOf(
      CacheConfigError,
    );
  });

  it('a Promise-returning memoized method reports the error as a rejection, not a synchronous throw', async () => {
    let call: Promise<number> | undefined;
    // `svc.load().catch(...)` and `await expect(svc.load()).rejects` are how callers handle errors.
    expect(() => {
      call = broken.get(Misconfigured).load();
    }).not.toThrow();
    await expect(call).rejects.toBeInstanceOf(CacheConfigError);
  });
});

describe('a request-scoped provider made by a factory', () => {
  @Injectable()
  class Quotes {
    @CacheMemoize('1m')
    async of(sku: string): Promise<string> {
      return `q${sku}-${++runs}`;
    }
  }

  beforeEach(() => (runs = 0));

  it('is memoized like a request-scoped class provider', async () => {
    const app = await createApp({
      providers: [{ provide: Quotes, scope: Scope.REQUEST, useFactory: () => new Quotes() }],
    });
    try {
      const first = await app.resolve(Quotes);
      const second = await app.resolve(Quotes);
      expect(await first.of('a')).toBe('qa-1');
      expect(await second.of('a')).toBe('qa-1');
    } finally {
      await app.close();
    }
  });

  it('has its options checked at bootstrap', async () => {
    @Injectable()
    class BadQuotes {
      @CacheMemoize({ ttl: 'whenever' })
      async of(sku: string): Promise<string> {
        return sku;
      }
    }
    const error = await bootstrapFailure({
      imports: [CacheMemoizeModule.forRoot()],
      providers: [{ provide: BadQuotes, scope: Scope.REQUEST, useFactory: () => new BadQuotes() }],
    }).catch((e: Error) => e);
    expect(error.message).not.toBe('bootstrap succeeded');
    expect(error).toBeInstanceOf(CacheConfigError);
  });
});

describe('forRootAsync: an option the factory returns that the module ignores', () => {
  @Injectable()
  class NeedsInvalidation {
    constructor(@Inject(InvalidationService) readonly invalidation: InvalidationService) {}
  }
  @Module({ providers: [NeedsInvalidation] })
  class FeatureModule {}

  it('isGlobal: false from the factory is either honoured or refused, never silently dropped', async () => {
    let outcome: 'refused' | 'honoured' | 'ignored';
    const fromConfig = { namespace: 'app', isGlobal: false };
    try {
      const moduleRef = await Test.createTestingModule({
        // e.g. from a ConfigService: `{ ...config.get('cache') }`, so no excess-property check applies
        imports: [CacheMemoizeModule.forRootAsync({ useFactory: () => fromConfig }), FeatureModule],
      }).compile();
      const app = await moduleRef.createNestApplication({ logger: false }).init();
      outcome = app.get(NeedsInvalidation).invalidation ? 'ignored' : 'honoured';
      await app.close();
    } catch (error) {
      outcome = error instanceof CacheConfigError ? 'refused' : 'honoured';
    }
    expect(outcome).not.toBe('ignored');
  });
});

describe("a memoized method called from another provider's lifecycle hook", () => {
  @Injectable()
  class Settings {
    @CacheMemoize('1m')
    async load(): Promise<number> {
      return ++runs;
    }
  }

  @Injectable()
  class WarmsOnInit implements OnModuleInit {
    constructor(readonly settings: Settings) {}
    first?: number;
    async onModuleInit(): Promise<void> {
      this.first = await this.settings.load();
    }
  }

  @Injectable()
  class WarmsOnBootstrap implements OnApplicationBootstrap {
    constructor(readonly settings: Settings) {}
    first?: number;
    async onApplicationBootstrap(): Promise<void> {
      this.first = await this.settings.load();
    }
  }

  beforeEach(() => (runs = 0));

  it.each([
    ['onModuleInit', WarmsOnInit],
    ['onApplicationBootstrap', WarmsOnBootstrap],
  ])('warms the cache from %s', async (_hook, Warmer) => {
    const app = await createApp({ providers: [Settings, Warmer] });
    try {
      expect(app.get<{ first?: number }>(Warmer).first).toBe(1);
      expect(await app.get(Settings).load()).toBe(1);
    } finally {
      await app.close();
    }
  });
});

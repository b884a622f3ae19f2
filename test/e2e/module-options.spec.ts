import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { Injectable, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import {
  CacheMemoize,
  CacheMemoizeConfig,
  CacheMemoizeModule,
  type CacheMemoizeModuleOptions,
  CacheMemoizeStats,
  CacheRegistry,
  InvalidationService,
} from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { useFakeClock } from '../fixtures/fake-clock.js';

@Injectable()
class Plain {
  calls = 0;

  @CacheMemoize()
  async rootDefaults(): Promise<number> {
    return ++this.calls;
  }
}

@CacheMemoizeConfig({ ttl: '20s', cache: 'secondary' })
@Injectable()
class Configured {
  calls = 0;

  @CacheMemoize()
  async classDefaults(): Promise<number> {
    return ++this.calls;
  }

  @CacheMemoize({ ttl: '5s', cache: 'default' })
  async ownOptions(): Promise<number> {
    return ++this.calls;
  }
}

@Injectable()
class InFeature {
  calls = 0;

  @CacheMemoize()
  async featureDefaults(): Promise<number> {
    return ++this.calls;
  }
}

@Module({ imports: [CacheMemoizeModule.forFeature({ ttl: '30s', cache: 'secondary' })], providers: [InFeature] })
class FeatureModule {}

const twoCaches: CacheMemoizeModuleOptions = {
  ttl: '10s',
  caches: { default: { store: 'memory' }, secondary: { store: 'memory', max: 100 } },
};

describe('module options', () => {
  describe('precedence: decorator, class, forFeature, forRoot', () => {
    let app: INestApplication;
    let clock: ReturnType<typeof useFakeClock>;

    beforeEach(async () => {
      clock = useFakeClock();
      app = await createApp({ providers: [Plain, Configured], imports: [FeatureModule] }, twoCaches);
    });
    afterEach(async () => {
      clock.restore();
      await app.close();
    });

    async function callsAfter(ms: number, call: () => Promise<number>): Promise<number> {
      await call();
      clock.advance(ms);
      return call();
    }

    it('uses the forRoot ttl and default cache when nothing else is set', async () => {
      const plain = app.get(Plain);
      expect(await callsAfter(9_000, () => plain.rootDefaults())).toBe(1);
      clock.advance(1_000);
      expect(await plain.rootDefaults()).toBe(2);
      expect(app.get(CacheMemoizeStats).snapshot()['Plain.rootDefaults'].cache).toBe('default');
    });

    it('lets @CacheMemoizeConfig override forRoot, and the decorator override both', async () => {
      const configured = app.get(Configured);
      expect(await callsAfter(15_000, () => configured.classDefaults())).toBe(1);
      expect(await callsAfter(6_000, () => configured.ownOptions())).toBe(3);
      const stats = app.get(CacheMemoizeStats).snapshot();
      expect(stats['Configured.classDefaults'].cache).toBe('secondary');
      expect(stats['Configured.ownOptions'].cache).toBe('default');
    });

    it('applies forFeature defaults to the providers of the importing module', async () => {
      const feature = app.get(InFeature);
      expect(await callsAfter(25_000, () => feature.featureDefaults())).toBe(1);
      expect(app.get(CacheMemoizeStats).snapshot()['InFeature.featureDefaults'].cache).toBe('secondary');
    });
  });

  it('prepends the namespace to every key', async () => {
    const app = await createApp({ providers: [Plain] }, { namespace: 'v2' });
    expect(app.get(InvalidationService).keyFor(Plain, 'rootDefaults')).toBe('v2:Plain.rootDefaults:');
    await app.close();
  });

  describe('forRootAsync', () => {
    @Injectable()
    class CacheConfig {
      createCacheMemoizeOptions(): CacheMemoizeModuleOptions {
        return { namespace: 'from-class' };
      }
    }

    @Module({ providers: [CacheConfig], exports: [CacheConfig] })
    class ConfigModule {}

    async function namespaceWith(options: Parameters<typeof CacheMemoizeModule.forRootAsync>[0]): Promise<string> {
      const moduleRef = await Test.createTestingModule({
        imports: [CacheMemoizeModule.forRootAsync(options)],
        providers: [Plain],
      }).compile();
      const app = await moduleRef.createNestApplication({ logger: false }).init();
      const key = app.get(InvalidationService).keyFor(Plain, 'rootDefaults');
      expect(await app.get(Plain).rootDefaults()).toBe(await app.get(Plain).rootDefaults());
      await app.close();
      return key.split(':')[0];
    }

    it('takes options from a factory with injected dependencies', async () => {
      const key = await namespaceWith({
        imports: [ConfigModule],
        inject: [CacheConfig],
        useFactory: async (config: CacheConfig) => ({
          namespace: `${config.createCacheMemoizeOptions().namespace}-factory`,
        }),
      });
      expect(key).toBe('from-class-factory');
    });

    it('takes options from a class, or an existing provider', async () => {
      expect(await namespaceWith({ useClass: CacheConfig })).toBe('from-class');
      expect(await namespaceWith({ imports: [ConfigModule], useExisting: CacheConfig })).toBe('from-class');
    });
  });

  describe('caches', () => {
    it('wraps any cache-manager Cache, e.g. the CACHE_MANAGER of @nestjs/cache-manager', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [
          CacheModule.register({ isGlobal: true }),
          CacheMemoizeModule.forRootAsync({
            inject: [CACHE_MANAGER],
            useFactory: (cache: Cache) => ({ caches: { default: { cache } } }),
          }),
        ],
        providers: [Plain],
      }).compile();
      const app = await moduleRef.createNestApplication({ logger: false }).init();
      const plain = app.get(Plain);
      expect(await plain.rootDefaults()).toBe(1);
      expect(await plain.rootDefaults()).toBe(1);
      await app.get(InvalidationService).invalidatePrefix('Plain');
      expect(await plain.rootDefaults()).toBe(2);
      expect(app.get(CacheRegistry).get()).toBe(app.get(CACHE_MANAGER));
      await app.close();
    });

    it('gives each alias a working cache-manager Cache', async () => {
      const app = await createApp({}, twoCaches);
      const cache = app.get(CacheRegistry).get('secondary');
      await cache.set('greeting', { hello: 'world', at: new Date(5), seen: new Set([1]) }, 1_000);
      expect(await cache.get('greeting')).toEqual({ hello: 'world', at: new Date(5), seen: new Set([1]) });
      expect(await app.get(CacheRegistry).get().get('greeting')).toBeUndefined();
      expect(() => app.get(CacheRegistry).get('missing')).toThrow(
        /Unknown cache alias 'missing'.*'default', 'secondary'/,
      );
      await app.close();
    });

    it('bounds the memory store to max entries, least recently used first', async () => {
      @Injectable()
      class Bounded {
        calls = 0;
        @CacheMemoize({ cache: 'tiny' })
        async get(id: number): Promise<number> {
          return ++this.calls;
        }
      }
      const app = await createApp(
        { providers: [Bounded] },
        { caches: { default: { store: 'memory' }, tiny: { store: 'memory', max: 2 } } },
      );
      const bounded = app.get(Bounded);
      await bounded.get(1);
      await bounded.get(2);
      await bounded.get(1);
      await bounded.get(3); // evicts 2, the least recently used
      expect(await bounded.get(1)).toBe(1);
      expect(await bounded.get(2)).toBe(4);
      await app.close();
    });
  });
});

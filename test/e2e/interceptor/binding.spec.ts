import { Controller, Get, Module, Param, Scope, UseInterceptors } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  CacheConfigError,
  CacheMemoize,
  CacheMemoizeInterceptor,
  CacheMemoizeModule,
  type MemoizeOptions,
} from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

@Controller('catalog')
class CatalogController {
  readonly runs = new Runs();

  @Get('cached')
  @CacheMemoize('1m')
  async cached(): Promise<object> {
    return { run: this.runs.count('cached') };
  }

  @Get('fresh')
  async fresh(): Promise<object> {
    return { run: this.runs.count('fresh') };
  }
}

describe.each<Platform>(['express', 'fastify'])(
  'CacheMemoizeInterceptor on %s bound as APP_INTERCEPTOR',
  (platform) => {
    let http: HttpApp;

    beforeEach(async () => {
      http = await startHttpApp(platform, 'memory', {
        controllers: [CatalogController],
        providers: [{ provide: APP_INTERCEPTOR, useClass: CacheMemoizeInterceptor }],
      });
    });
    afterEach(() => http.close());

    it('caches the handlers that carry @CacheMemoize and leaves the others alone', async () => {
      await request(http.server).get('/catalog/cached').expect(200);
      await request(http.server).get('/catalog/fresh').expect(200);
      const cached = await request(http.server).get('/catalog/cached').expect(200);
      const fresh = await request(http.server).get('/catalog/fresh').expect(200);
      expect(cached.headers['x-cache']).toBe('HIT');
      expect(fresh.headers['x-cache']).toBeUndefined();
      expect(fresh.body).toEqual({ run: 2 });
    });
  },
);

/** Counted outside the controller, which Nest creates anew for every request. */
const scopedRuns = new Runs();

@Controller({ path: 'scoped', scope: Scope.REQUEST })
@UseInterceptors(CacheMemoizeInterceptor)
class ScopedController {
  @Get()
  @CacheMemoize('1m')
  async byRequest(): Promise<object> {
    return { run: scopedRuns.count('byRequest') };
  }

  @Get(':id')
  @CacheMemoize({ ttl: '1m', key: (id: string) => id })
  async byId(@Param('id') id: string): Promise<object> {
    return { id, run: scopedRuns.count('byId') };
  }
}

describe.each<Platform>(['express', 'fastify'])(
  'CacheMemoizeInterceptor on %s with a request-scoped controller',
  (platform) => {
    let http: HttpApp;

    beforeEach(async () => {
      http = await startHttpApp(platform, 'memory', { controllers: [ScopedController] });
    });
    afterEach(() => http.close());

    it.each([
      ['the request', '/scoped', 'byRequest'],
      ['its arguments', '/scoped/4', 'byId'],
    ])('caches a handler keyed by %s across the controller instances', async (_, path, handler) => {
      const before = scopedRuns.of(handler);
      await request(http.server).get(path).expect(200);
      const hit = await request(http.server).get(path).expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(scopedRuns.of(handler)).toBe(before + 1);
    });
  },
);

describe('a controller handler with invalid options', () => {
  async function bootstrap(options: MemoizeOptions): Promise<unknown> {
    @Controller('bad')
    class BadController {
      @Get()
      @CacheMemoize(options)
      async handle(): Promise<string> {
        return 'never served';
      }
    }
    @Module({ imports: [CacheMemoizeModule.forRoot()], controllers: [BadController] })
    class AppModule {}
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await app.init();
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await app.close();
    }
  }

  it.each([
    ['storeResult: false', { storeResult: false }, /BadController\.handle .*storeResult: false.*remove storeResult/],
    ['an empty vary header', { vary: [' '] }, /BadController\.handle has vary entry " ".*header names/],
    ['an invalid ttl', { ttl: 'soon' }, /BadController\.handle \(ttl\)/],
    ['an unknown cache', { cache: 'nowhere' }, /'nowhere' used by BadController\.handle.*'default'/],
  ])('fails at bootstrap with a CacheConfigError for %s', async (_, options, message) => {
    const error = await bootstrap(options as MemoizeOptions);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(message);
  });
});

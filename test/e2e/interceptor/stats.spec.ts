import { Controller, Get, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, CacheMemoizeStats } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';

@Controller('cached')
@UseInterceptors(CacheMemoizeInterceptor)
class CachedController {
  @Get()
  @CacheMemoize('1m')
  async list(): Promise<string[]> {
    return ['a'];
  }
}

/** The interceptor is bound neither here nor globally: nothing caches these responses. */
@Controller('uncached')
class UncachedController {
  @Get()
  @CacheMemoize('1m')
  async list(): Promise<string[]> {
    return ['b'];
  }
}

describe.each<Platform>(['express', 'fastify'])(
  'CacheMemoizeStats on %s lists only what is really cached',
  (platform) => {
    let http: HttpApp;

    beforeEach(async () => {
      http = await startHttpApp(platform, 'memory', { controllers: [CachedController, UncachedController] });
    });
    afterEach(() => http.close());

    it('lists a handler the interceptor caches, and not one it is not bound to', async () => {
      for (const path of ['/cached', '/cached', '/uncached', '/uncached'])
        await request(http.server).get(path).expect(200);
      const stats = http.app.get(CacheMemoizeStats).snapshot();
      expect(stats['CachedController.list']).toMatchObject({ hits: 1, misses: 1 });
      expect(stats['UncachedController.list']).toBeUndefined();
    });
  },
);

import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import { Controller, Get, type INestApplication, UseInterceptors } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, CacheMemoizeModule } from '../../../lib/index.js';
import { Runs } from '../../fixtures/http/runs.js';

@Controller('legacy')
@UseInterceptors(CacheMemoizeInterceptor)
class LegacyController {
  readonly runs = new Runs();

  // Was: @UseInterceptors(CacheInterceptor) @CacheKey('legacy-list') @CacheTTL(30_000)
  @Get()
  @CacheMemoize({ prefix: 'legacy-list', ttl: 30_000 })
  async list(): Promise<object> {
    return { run: this.runs.count('list') };
  }
}

describe('migrating from @nestjs/cache-manager, keeping its CACHE_MANAGER', () => {
  let app: INestApplication;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.register({ isGlobal: true }),
        CacheMemoizeModule.forRootAsync({
          inject: [CACHE_MANAGER],
          useFactory: (cache: Cache) => ({ caches: { default: { cache } } }),
        }),
      ],
      controllers: [LegacyController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });
  afterEach(() => app.close());

  it('caches responses in the cache the application already has', async () => {
    await request(app.getHttpServer()).get('/legacy').set('Host', 'shop.example').expect(200);
    const hit = await request(app.getHttpServer()).get('/legacy').set('Host', 'shop.example').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual({ run: 1 });
    const cache = app.get<Cache>(CACHE_MANAGER);
    expect(await cache.get('legacy-list:"shop.example","/legacy"')).toMatch(/^cm1:/);
  });
});

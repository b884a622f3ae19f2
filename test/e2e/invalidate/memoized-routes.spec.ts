import { Controller, Get, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheInvalidate, CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';

let invalidations = 0;
let runs = 0;

@Controller('posts')
@UseInterceptors(CacheMemoizeInterceptor)
class PostsController {
  /** On a provider method this order invalidates on every call, hits included. */
  @Get()
  @CacheInvalidate({
    tags: () => {
      invalidations++;
      return ['seen'];
    },
  })
  @CacheMemoize('1h')
  async list(): Promise<object> {
    return { run: ++runs };
  }
}

describe('@CacheInvalidate written above @CacheMemoize on a route', () => {
  // Known limit: a route's @CacheMemoize is served by the interceptor, outside the method, so
  // a HIT never reaches @CacheInvalidate whichever decorator is written above. README says so.
  it.failing('invalidates on a HIT too, as on a provider method', async () => {
    const app = await createApp({ controllers: [PostsController] });
    try {
      await request(app.getHttpServer()).get('/posts').expect(200).expect('x-cache', 'MISS');
      await request(app.getHttpServer()).get('/posts').expect(200).expect('x-cache', 'HIT');
      expect({ invalidations, runs }).toEqual({ invalidations: 2, runs: 1 });
    } finally {
      await app.close();
    }
  });
});

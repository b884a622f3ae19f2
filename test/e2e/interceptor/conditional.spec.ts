import { Controller, Get, Post, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, InvalidationService } from '../../../lib/index.js';
import { HTTP_MATRIX, type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';

@Controller('menu')
@UseInterceptors(CacheMemoizeInterceptor)
class MenuController {
  dish = 'soup';

  constructor(private readonly invalidation: InvalidationService) {}

  @Get()
  @CacheMemoize({ ttl: '1m', tags: ['menu'] })
  async today(): Promise<object> {
    return { dish: this.dish };
  }

  @Post()
  async change(): Promise<void> {
    this.dish = 'salad';
    await this.invalidation.invalidateTags('menu');
  }
}

describe.each(HTTP_MATRIX)('CacheMemoizeInterceptor on %s with a %s cache: conditional requests', (platform, store) => {
  let http: HttpApp;
  const get = (headers: Record<string, string> = {}) => request(http.server).get('/menu').set(headers);

  beforeEach(async () => {
    http = await startHttpApp(platform, store, { controllers: [MenuController] });
  });
  afterEach(() => http.close());

  it('gives a cached 200 an ETag, the same on every hit', async () => {
    const miss = await get().expect(200);
    const hit = await get().expect(200);
    expect(miss.headers.etag).toMatch(/^W\/".+"$/);
    expect(hit.headers.etag).toBe(miss.headers.etag);
  });

  it('answers 304 without a body when If-None-Match matches', async () => {
    const { etag } = (await get().expect(200)).headers;
    const revalidated = await get({ 'if-none-match': `"other", ${etag}` }).expect(304);
    expect(revalidated.text ?? '').toBe('');
    expect(revalidated.headers['x-cache']).toBe('HIT');
    expect(revalidated.headers.etag).toBe(etag);
  });

  it('sends the new body once the content has changed', async () => {
    const { etag } = (await get().expect(200)).headers;
    await request(http.server).post('/menu').expect(201);
    const changed = await get({ 'if-none-match': etag }).expect(200);
    expect(changed.body).toEqual({ dish: 'salad' });
    expect(changed.headers.etag).not.toBe(etag);
    // The request that got a 304 left the entry as it was.
    await get({ 'if-none-match': changed.headers.etag }).expect(304);
    expect((await get().expect(200)).body).toEqual({ dish: 'salad' });
  });
});

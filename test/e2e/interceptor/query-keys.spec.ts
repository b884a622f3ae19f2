import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import type { Express } from 'express';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';

@Controller('echo')
@UseInterceptors(CacheMemoizeInterceptor)
class EchoController {
  @Get()
  @CacheMemoize('1m')
  async echo(@Query('v') v: string): Promise<{ v: string }> {
    return { v };
  }
}

describe.each<Platform>(['express', 'fastify'])('query strings in keys on %s', (platform) => {
  let http: HttpApp;
  beforeEach(async () => (http = await startHttpApp(platform, 'memory', { controllers: [EchoController] })));
  afterEach(() => http.close());

  it('keeps queries that decode alike apart, since platforms decode malformed escapes differently', async () => {
    const bodies = [];
    for (const query of ['v=%FF', 'v=%FE', 'v=%EF%BF%BD']) {
      const response = await request(http.server).get(`/echo?${query}`).expect(200);
      expect(response.headers['x-cache']).toBe('MISS');
      bodies.push(response.body);
    }
    expect(bodies).toHaveLength(3);
  });

  it('sorts parameters by name, keeping repeated ones in order', async () => {
    await request(http.server).get('/echo?v=1&a=2').expect(200).expect('x-cache', 'MISS');
    await request(http.server).get('/echo?a=2&v=1').expect(200).expect('x-cache', 'HIT');
    await request(http.server).get('/echo?a=2&a=3&v=1').expect(200).expect('x-cache', 'MISS');
    await request(http.server).get('/echo?a=3&a=2&v=1').expect(200).expect('x-cache', 'MISS');
  });
});

/** Echoes the query as the platform's parser handed it to the handler. */
@Controller('all')
@UseInterceptors(CacheMemoizeInterceptor)
class AllParamsController {
  @Get()
  @CacheMemoize('1m')
  async echo(@Query() query: Record<string, unknown>): Promise<{ query: Record<string, unknown> }> {
    return { query: { ...query } };
  }

  /** The same handler uncached: what it answers a query. */
  @Get('plain')
  async plain(@Query() query: Record<string, unknown>): Promise<{ query: Record<string, unknown> }> {
    return { query: { ...query } };
  }
}

describe.each<[Platform, 'default' | 'extended']>([
  ['express', 'default'],
  ['express', 'extended'],
  ['fastify', 'default'],
])('queries a parser reads in their order, on %s with its %s query parser', (platform, parser) => {
  let http: HttpApp;
  beforeEach(async () => {
    http = await startHttpApp(platform, 'memory', { controllers: [AllParamsController] });
    if (parser === 'extended') (http.app.getHttpAdapter().getInstance() as Express).set('query parser', 'extended');
  });
  afterEach(() => http.close());

  /** `second` after `first` on the cached route must get what the handler answers it. */
  async function expectOwnAnswer(first: string, second: string): Promise<void> {
    await request(http.server).get(`/all?${first}`).expect(200);
    const cached = await request(http.server).get(`/all?${second}`).expect(200);
    const own = await request(http.server).get(`/all/plain?${second}`).expect(200);
    expect(cached.body).toEqual(own.body);
  }

  it.each([
    ['a malformed escape in a repeated name', 'a%=1&%61%=2', '%61%=2&a%=1'],
    ['a name in brackets, which qs reads as the bare name', 'tag=1&[tag]=2', '[tag]=2&tag=1'],
    ['an escaped name', 'a=1&%61=2', '%61=2&a=1'],
    ['nested names', 'f[a]=1&f[b]=2', 'f[b]=2&f[a]=1'],
  ])('%s', async (_, first, second) => {
    await expectOwnAnswer(first, second);
  });

  it('more parameters than a parser keeps (1,000): the order decides which it drops', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => `a${i}=`).join('&');
    await expectOwnAnswer(`z=admin&${many}`, `${many}&z=admin`);
  });
});

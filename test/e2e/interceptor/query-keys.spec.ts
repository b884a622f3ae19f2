import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
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

import { Controller, Get, Headers, Param, ParseIntPipe, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';

/**
 * A route with both `key` and `vary`: the `vary` headers are part of its key too, as for a
 * resolver, so each value gets its own entry, and the `Vary` it answers with is true.
 */
@Controller('accounts')
@UseInterceptors(CacheMemoizeInterceptor)
class AccountsController {
  @Get(':id')
  @CacheMemoize({ ttl: '1m', key: (id: number) => id, vary: ['authorization'] })
  async show(@Param('id', ParseIntPipe) id: number, @Headers('authorization') authorization?: string) {
    return { id, viewer: authorization };
  }
}

describe.each<Platform>(['express', 'fastify'])('a route with key and vary, on %s', (platform) => {
  let http: HttpApp;
  beforeEach(async () => (http = await startHttpApp(platform, 'memory', { controllers: [AccountsController] })));
  afterEach(() => http.close());
  const as = (who: string) => request(http.server).get('/accounts/1').set('Authorization', `Bearer ${who}`);

  it("never gives one Authorization's answer to another, and still caches each", async () => {
    const alice = await as('alice').expect(200);
    const bob = await as('bob').expect(200);
    const aliceAgain = await as('alice').expect(200);
    expect([alice, bob, aliceAgain].map((r) => [r.headers['x-cache'], r.body.viewer])).toEqual([
      ['MISS', 'Bearer alice'],
      ['MISS', 'Bearer bob'],
      ['HIT', 'Bearer alice'],
    ]);
    expect(aliceAgain.headers['vary']).toBe('authorization');
  });
});

import { Controller, Get, Headers, Param, UseInterceptors } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, type CacheMemoizeEvent } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';
import { REDIS_URL } from '../../fixtures/http/shared-redis-cache.js';

/**
 * A handler that varies on a credential header keeps one entry per token, and the token
 * itself never becomes part of a key: keys are Redis key names, and events and logs carry them.
 */
@Controller('me')
@UseInterceptors(CacheMemoizeInterceptor)
class MeController {
  @Get()
  @CacheMemoize({ ttl: '1m', vary: ['authorization'] })
  async me(@Headers('authorization') authorization: string): Promise<object> {
    return { viewer: authorization.slice(-4) };
  }

  @Get('prefs')
  @CacheMemoize({ ttl: '1m', vary: ['cookie', 'accept-language'] })
  async prefs(@Headers('cookie') cookie: string): Promise<object> {
    return { session: cookie.length };
  }

  @Get('orders/:id')
  @CacheMemoize({ ttl: '1m', key: (id: string) => id, vary: ['x-api-key'] })
  async order(@Param('id') id: string, @Headers('x-api-key') apiKey: string): Promise<object> {
    return { id, tenant: apiKey.slice(-4) };
  }
}

describe.each<Platform>(['express', 'fastify'])('credential headers in keys, on %s', (platform) => {
  let http: HttpApp;
  let redis: Redis;
  const events: CacheMemoizeEvent[] = [];
  beforeEach(async () => {
    events.length = 0;
    http = await startHttpApp(platform, 'redis', { controllers: [MeController] }, { onEvent: (e) => events.push(e) });
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await http.close();
    redis.disconnect();
  });

  /** Every key in Redis, and every key an event named, that holds `secret`. */
  async function keysHolding(secret: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${secret}*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return [...found, ...events.map((event) => event.key).filter((key) => key.includes(secret))];
  }

  it('keys each token apart without the token in any key, event or Redis key name', async () => {
    const alice = randomBytes(9).toString('hex');
    const bob = randomBytes(9).toString('hex');
    const get = (path: string, headers: Record<string, string>) => request(http.server).get(path).set(headers);
    for (const token of [alice, bob, alice]) {
      await get('/me', { authorization: `Bearer ${token}` }).expect(200);
      await get('/me/prefs', { cookie: `sid=${token}`, 'accept-language': 'fr' }).expect(200);
      await get('/me/orders/7', { 'x-api-key': token }).expect(200);
    }
    const again = await get('/me', { authorization: `Bearer ${alice}` }).expect(200);
    expect([again.headers['x-cache'], again.body]).toEqual(['HIT', { viewer: alice.slice(-4) }]);
    const bobs = await get('/me/orders/7', { 'x-api-key': bob }).expect(200);
    expect([bobs.headers['x-cache'], bobs.body]).toEqual(['HIT', { id: '7', tenant: bob.slice(-4) }]);
    expect(events.filter((event) => event.type === 'miss')).toHaveLength(6);
    // A header that is no credential stays readable in the key.
    expect(events.some((event) => event.key.includes('fr'))).toBe(true);
    expect({ alice: await keysHolding(alice), bob: await keysHolding(bob) }).toEqual({ alice: [], bob: [] });
  });
});

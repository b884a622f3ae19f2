import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { Redis } from 'ioredis';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import { REDIS_URL } from '../../fixtures/http/shared-redis-cache.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

const PER_APP = 25;
/** Shared by both applications, which run in this one process. */
let runs = 0;
let misses = 0;
let latch = new Latch();

@Controller('forecasts')
@UseInterceptors(CacheMemoizeInterceptor)
class ForecastsController {
  @Get(':city')
  @CacheMemoize({ ttl: '1m', lock: 'distributed', onMiss: () => misses++ })
  async forecast(@Param('city') city: string): Promise<object> {
    const run = ++runs;
    await latch.opened;
    return { city, run };
  }
}

(redis ? describe.each<Platform>(['express', 'fastify']) : describe.skip.each<Platform>(['express']))(
  'CacheMemoizeInterceptor with lock: distributed on %s',
  (platform) => {
    const namespace = uniqueNamespace('http-lock');
    let apps: HttpApp[];

    beforeEach(async () => {
      [runs, misses, latch] = [0, 0, new Latch()];
      const options = { namespace, caches: { default: { store: 'redis' as const, url: REDIS_URL } } };
      // Two applications on one Redis stand for two instances behind a load balancer.
      apps = [
        await startHttpApp(platform, 'memory', { controllers: [ForecastsController] }, options),
        await startHttpApp(platform, 'memory', { controllers: [ForecastsController] }, options),
      ];
    });
    afterEach(async () => {
      await Promise.all(apps.map((http) => http.close()));
      const client = new Redis(REDIS_URL);
      await dropNamespace(client, namespace);
      await client.quit();
    });

    it(`runs the handler once for ${PER_APP} cold GETs on each of two instances`, async () => {
      const responses = apps.flatMap((http) =>
        Array.from({ length: PER_APP }, () =>
          request(http.server)
            .get('/forecasts/oslo')
            // A load balancer forwards the Host the client asked for: the host is part of the key.
            .set('Host', 'weather.example')
            .then((r) => r),
        ),
      );
      await until(() => misses === 2 * PER_APP);
      latch.open();
      const answered = await Promise.all(responses);

      expect(runs).toBe(1);
      expect(answered.map((response) => response.status)).toEqual(Array(2 * PER_APP).fill(200));
      expect(new Set(answered.map((response) => response.text))).toEqual(new Set(['{"city":"oslo","run":1}']));
      const hit = await request(apps[1].server).get('/forecasts/oslo').set('Host', 'weather.example').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
    });
  },
);

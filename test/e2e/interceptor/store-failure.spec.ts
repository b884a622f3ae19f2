import { createKeyv } from '@keyv/redis';
import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { createCache } from 'cache-manager';
import { createServer } from 'node:net';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

@Controller('weather')
@UseInterceptors(CacheMemoizeInterceptor)
class WeatherController {
  readonly runs = new Runs();

  @Get()
  @CacheMemoize('1m')
  async today(): Promise<object> {
    return { sky: 'clear', run: this.runs.count('today') };
  }
}

/** A port with nothing listening: a Redis that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.each<Platform>(['express', 'fastify'])('CacheMemoizeInterceptor on %s when its cache is down', (platform) => {
  let http: HttpApp;

  beforeEach(async () => {
    const keyv = createKeyv(
      { url: `redis://127.0.0.1:${await closedPort()}`, socket: { reconnectStrategy: false } },
      { throwOnConnectError: false },
    );
    keyv.on('error', () => undefined);
    const cache = createCache({ stores: [keyv] });
    http = await startHttpApp(
      platform,
      'memory',
      { controllers: [WeatherController] },
      { caches: { default: { cache } }, storeTimeout: '100ms' },
    );
  });
  afterEach(() => http.close());

  it('still answers every request from the handler', async () => {
    const first = await request(http.server).get('/weather').expect(200);
    const second = await request(http.server).get('/weather').expect(200);
    expect(first.body).toEqual({ sky: 'clear', run: 1 });
    expect(second.body).toEqual({ sky: 'clear', run: 2 });
    expect(second.headers['x-cache']).toBe('MISS');
  });
});

import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';

@Controller('quotes')
@UseInterceptors(CacheMemoizeInterceptor)
class QuotesController {
  slowMs = 0;
  runs = 0;
  hardRuns = 0;

  @Get('soft/:id')
  @CacheMemoize({ ttl: '1s', staleIfError: '1h', timeout: '50ms', key: (id: string) => id })
  async soft(@Param('id') id: string): Promise<object> {
    const run = ++this.runs;
    await sleep(this.slowMs);
    return { id, run };
  }

  @Get('hard/:id')
  @CacheMemoize({ ttl: '1m', hardTimeout: '50ms', key: (id: string) => id })
  async hard(@Param('id') id: string): Promise<object> {
    const run = ++this.hardRuns;
    if (run === 1) await sleep(200);
    return { id, run };
  }
}

/** A request answered before its handler finished must not leave that run hanging for the others. */
describe.each<Platform>(['express', 'fastify'])('a keyed handler past its timeout on %s', (platform) => {
  let http: HttpApp;
  let controller: QuotesController;

  beforeEach(async () => {
    http = await startHttpApp(platform, 'memory', { controllers: [QuotesController] });
    controller = http.app.get(QuotesController);
  });
  afterEach(() => http.close());

  it('serves the stale response, then the slow run stores the new one', async () => {
    await request(http.server).get('/quotes/soft/1').expect(200);
    await sleep(1_100);
    controller.slowMs = 200;
    const stale = await request(http.server).get('/quotes/soft/1').expect(200);
    expect([stale.headers['x-cache'], stale.body]).toEqual(['STALE', { id: '1', run: 1 }]);
    controller.slowMs = 0;
    await sleep(300);
    const fresh = await request(http.server).get('/quotes/soft/1').expect(200);
    expect([fresh.headers['x-cache'], fresh.body]).toEqual(['HIT', { id: '1', run: 2 }]);
  });

  it('answers 500 past the hard timeout, and the next requests are answered', async () => {
    await request(http.server).get('/quotes/hard/1').expect(500);
    await sleep(300);
    const next = await request(http.server).get('/quotes/hard/1').expect(200);
    expect(next.body).toMatchObject({ id: '1' });
  });
});

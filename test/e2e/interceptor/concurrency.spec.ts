import { Controller, Get, Param, Query, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { HTTP_MATRIX, type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import { Runs } from '../../fixtures/http/runs.js';

const CONCURRENT = 50;
/** Misses seen so far: every request that found no entry, whether it then ran the handler or waited. */
let misses = 0;

@Controller('reports')
@UseInterceptors(CacheMemoizeInterceptor)
class ReportsController {
  readonly runs = new Runs();
  latch = new Latch();

  @Get()
  @CacheMemoize({ ttl: '1m', onMiss: () => misses++ })
  async byQuery(@Query('year') year: string): Promise<object> {
    const run = this.runs.count('byQuery');
    await this.latch.opened;
    return { year, run };
  }

  @Get(':year')
  @CacheMemoize({ ttl: '1m', key: (year: string) => year, onMiss: () => misses++ })
  async byYear(@Param('year') year: string): Promise<object> {
    const run = this.runs.count('byYear');
    await this.latch.opened;
    return { year, run };
  }
}

describe.each(HTTP_MATRIX)('CacheMemoizeInterceptor on %s with a %s cache: concurrent misses', (platform, store) => {
  let http: HttpApp;
  let controller: ReportsController;

  beforeEach(async () => {
    misses = 0;
    http = await startHttpApp(platform, store, { controllers: [ReportsController] });
    controller = http.app.get(ReportsController);
    controller.latch = new Latch();
  });
  afterEach(() => http.close());

  it.each([
    ['keyed by the request', '/reports?year=2024', 'byQuery'],
    ['keyed by its arguments', '/reports/2024', 'byYear'],
  ])(`runs a handler %s once for ${CONCURRENT} concurrent cold GETs`, async (_, path, handler) => {
    const responses = Array.from({ length: CONCURRENT }, () =>
      request(http.server)
        .get(path)
        .then((response) => response),
    );
    await until(() => misses === CONCURRENT);
    controller.latch.open();
    const answered = await Promise.all(responses);
    expect(controller.runs.of(handler)).toBe(1);
    expect(answered.map((response) => response.status)).toEqual(Array(CONCURRENT).fill(200));
    expect(new Set(answered.map((response) => response.text)).size).toBe(1);
    expect(answered[0].body).toEqual({ year: '2024', run: 1 });
    const hit = await request(http.server).get(path).expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
  });
});

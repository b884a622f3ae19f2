import { Controller, Get, Param, Query, ServiceUnavailableException, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { useFakeClock } from '../../fixtures/fake-clock.js';
import { HTTP_MATRIX, type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

@Controller('prices')
@UseInterceptors(CacheMemoizeInterceptor)
class PricesController {
  readonly runs = new Runs();
  upstreamDown = false;

  @Get('spot')
  @CacheMemoize({ ttl: '1m', staleIfError: '1h' })
  async spot(): Promise<object> {
    const run = this.runs.count('spot');
    if (this.upstreamDown) throw new ServiceUnavailableException('upstream is down');
    return { run };
  }

  @Get('index')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s', skip: ({ args: [request] }) => request.query.live === '1' })
  async index(@Query('live') live?: string): Promise<object> {
    return { live: live ?? null, run: this.runs.count('index') };
  }

  @Get('fund/:id')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s', key: (id: string) => id })
  async fund(@Param('id') id: string): Promise<object> {
    return { id, run: this.runs.count('fund') };
  }
}

/** Only the clock is faked: sockets and timers stay real, so the app still serves. */

describe.each(HTTP_MATRIX)(
  'CacheMemoizeInterceptor on %s with a %s cache: ttl and freshness options',
  (platform, store) => {
    let http: HttpApp;
    let controller: PricesController;
    const get = (path: string) => request(http.server).get(path);
    let clock: ReturnType<typeof useFakeClock>;
    const later = (ms: number) => clock.advance(ms);

    beforeEach(async () => {
      clock = useFakeClock();
      http = await startHttpApp(platform, store, { controllers: [PricesController] });
      controller = http.app.get(PricesController);
    });
    afterEach(async () => {
      await http.close();
      clock.restore();
    });

    it('runs the handler again once the ttl has passed', async () => {
      await get('/prices/spot').expect(200);
      later(61_000);
      const expired = await get('/prices/spot').expect(200);
      expect(expired.headers['x-cache']).toBe('MISS');
      expect(expired.body).toEqual({ run: 2 });
    });

    it('serves the last response marked STALE when the handler fails past the ttl', async () => {
      await get('/prices/spot').expect(200);
      controller.upstreamDown = true;
      later(61_000);
      const stale = await get('/prices/spot').expect(200);
      expect(stale.headers['x-cache']).toBe('STALE');
      expect(stale.body).toEqual({ run: 1 });
    });

    it.each([
      ['keyed by the request', '/prices/index', 'index'],
      ['keyed by its arguments', '/prices/fund/7', 'fund'],
    ])(
      'answers from the cache past refreshAfter and refreshes a handler %s in the background',
      async (_, path, handler) => {
        await get(path).expect(200);
        later(11_000);
        const served = await get(path).expect(200);
        expect(served.headers['x-cache']).toBe('HIT');
        expect(served.body.run).toBe(1);
        let refreshed: request.Response;
        do refreshed = await get(path).expect(200);
        while (refreshed.body.run === 1);
        expect(refreshed.headers['x-cache']).toBe('HIT');
        expect(refreshed.body.run).toBe(2);
        expect(controller.runs.of(handler)).toBe(2);
      },
    );

    it('lets skip send a request straight to the handler', async () => {
      await get('/prices/index').expect(200);
      const live = await get('/prices/index?live=1').expect(200);
      const liveAgain = await get('/prices/index?live=1').expect(200);
      expect(live.headers['x-cache']).toBe('BYPASS');
      expect([live.body.run, liveAgain.body.run]).toEqual([2, 3]);
    });
  },
);

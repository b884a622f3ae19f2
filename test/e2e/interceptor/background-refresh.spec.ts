import { Controller, Get, NotFoundException, Res, UseInterceptors } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { useFakeClock } from '../../fixtures/fake-clock.js';
import { HTTP_MATRIX, type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';

/** Express's response and Fastify's reply, as far as setting a status goes. */
interface StatusSetter {
  status?: (code: number) => unknown;
  code?: (code: number) => unknown;
}

@Controller('items')
@UseInterceptors(CacheMemoizeInterceptor)
class ItemsController {
  gone = false;

  /** Answers 404 itself once the item is gone, as handlers with a passthrough response do. */
  @Get('widget')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async widget(@Res({ passthrough: true }) response: StatusSetter): Promise<object> {
    if (!this.gone) return { name: 'widget' };
    (response.status ?? response.code)!.call(response, 404);
    return { error: 'not found' };
  }

  /** Throws once the item is gone: a thrown error keeps the cached answer (README, "Refresh ahead"). */
  @Get('gadget')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async gadget(): Promise<object> {
    if (this.gone) throw new NotFoundException();
    return { name: 'gadget' };
  }
}

describe.each(HTTP_MATRIX)('a background refresh of a handler on %s with a %s cache', (platform, store) => {
  let http: HttpApp;
  let clock: ReturnType<typeof useFakeClock>;

  beforeEach(async () => {
    clock = useFakeClock();
    http = await startHttpApp(platform, store, { controllers: [ItemsController] });
  });
  afterEach(async () => {
    await http.close();
    clock.restore();
  });

  it('leaves the hit that started it untouched, never stores a non-2xx answer, and drops the entry it outdated', async () => {
    await request(http.server).get('/items/widget').expect(200);
    http.app.get(ItemsController).gone = true;
    clock.advance(11_000);
    const due = await request(http.server).get('/items/widget');
    expect([due.status, due.headers['x-cache'], due.body]).toEqual([200, 'HIT', { name: 'widget' }]);
    await sleep(100); // the refresh ran, answered 404: not stored, and the 200 it was to replace is dropped
    for (let i = 0; i < 2; i++) {
      const after = await request(http.server).get('/items/widget');
      expect([after.status, after.headers['x-cache'], after.body]).toEqual([404, 'MISS', { error: 'not found' }]);
    }
  });

  it('keeps serving the cached answer when the refresh throws', async () => {
    await request(http.server).get('/items/gadget').expect(200);
    http.app.get(ItemsController).gone = true;
    clock.advance(11_000);
    await request(http.server).get('/items/gadget').expect(200);
    await sleep(100); // the refresh threw NotFoundException
    const after = await request(http.server).get('/items/gadget');
    expect([after.status, after.headers['x-cache'], after.body]).toEqual([200, 'HIT', { name: 'gadget' }]);
  });
});

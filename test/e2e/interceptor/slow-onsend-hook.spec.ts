import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, CacheMemoizeModule } from '../../../lib/index.js';

@Controller('onsend')
@UseInterceptors(CacheMemoizeInterceptor)
class OnSendController {
  slowMs = 0;
  runs = 0;

  @Get('soft/:id')
  @CacheMemoize({ ttl: '1s', staleIfError: '1h', timeout: '50ms', key: (id: string) => id })
  async soft(@Param('id') id: string): Promise<object> {
    const run = ++this.runs;
    await sleep(this.slowMs);
    return { id, run };
  }
}

/**
 * No interceptor of the application's own: a Fastify plugin's async `onSend` hook (a session
 * saved to its store, a compression step, an audit write) that takes 150 ms, as
 * @fastify/session's does with a remote session store.
 */
describe('an async onSend hook on fastify, and a route past its soft timeout', () => {
  let app: NestFastifyApplication;
  let controller: OnSendController;
  let onSendMs = 0;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      controllers: [OnSendController],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onSend', async (_request: unknown, _reply: unknown, payload: unknown) => {
        if (onSendMs > 0) await sleep(onSendMs);
        return payload;
      });
    await app.listen(0, '127.0.0.1');
    controller = app.get(OnSendController);
  });
  afterEach(() => app.close());

  it('answers the request served stale when the run lands while the onSend hook works', async () => {
    await request(app.getHttpServer()).get('/onsend/soft/1').expect(200);
    await sleep(1_100);
    controller.slowMs = 100;
    onSendMs = 150;
    const stale = await request(app.getHttpServer())
      .get('/onsend/soft/1')
      .timeout(3_000)
      .then(
        (r) => ({ status: r.status, cache: r.headers['x-cache'], body: r.body }),
        (error: Error) => ({ error: error.message }),
      );
    expect(stale).toEqual({ status: 200, cache: 'STALE', body: { id: '1', run: 1 } });
  });
});

import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  type NestInterceptor,
  Param,
  UseInterceptors,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { setTimeout as sleep } from 'node:timers/promises';
import { catchError, mergeMap, type Observable } from 'rxjs';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';
import { Latch, until } from '../../fixtures/http/latch.js';

/**
 * A global interceptor (bound before ours, as APP_INTERCEPTOR always is) that does some async
 * work on the value before Nest writes it: a serializer, an audit log, an i18n lookup. It is
 * slow here (150 ms) so the timing is deterministic.
 */
@Injectable()
class SlowOuterInterceptor implements NestInterceptor {
  static delayMs = 0;
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      mergeMap(async (value) => {
        if (SlowOuterInterceptor.delayMs > 0) await sleep(SlowOuterInterceptor.delayMs);
        return value;
      }),
      // Reports the error somewhere (async) before Nest's exception filter answers.
      catchError(async (error: unknown) => {
        if (SlowOuterInterceptor.delayMs > 0) await sleep(SlowOuterInterceptor.delayMs);
        throw error;
      }),
    );
  }
}

@Controller('timed')
@UseInterceptors(CacheMemoizeInterceptor)
class TimedController {
  softMs = 0;
  softRuns = 0;
  hardRuns = 0;
  hardStarted = 0;
  latch = new Latch();

  /** Past its hardTimeout on the first run. */
  @Get('too-slow/:id')
  @CacheMemoize({ ttl: '1m', hardTimeout: '100ms', key: (id: string) => id })
  async tooSlow(@Param('id') id: string): Promise<object> {
    await sleep(150);
    return { id };
  }

  /** A stale entry served past `timeout`: the run finishes later, in the background. */
  @Get('soft/:id')
  @CacheMemoize({ ttl: '1s', staleIfError: '1h', timeout: '50ms', key: (id: string) => id })
  async soft(@Param('id') id: string): Promise<object> {
    const run = ++this.softRuns;
    await sleep(this.softMs);
    return { id, run };
  }

  /** Answers in well under its hardTimeout, once the test lets it. */
  @Get('hard/:id')
  @CacheMemoize({ ttl: '1m', hardTimeout: '100ms', key: (id: string) => id })
  async hard(@Param('id') id: string): Promise<object> {
    const run = ++this.hardRuns;
    this.hardStarted++;
    await this.latch.opened;
    return { id, run };
  }
}

describe.each<Platform>(['express', 'fastify'])('a slow interceptor bound before ours, on %s', (platform) => {
  let http: HttpApp;
  let controller: TimedController;

  beforeEach(async () => {
    SlowOuterInterceptor.delayMs = 0;
    http = await startHttpApp(platform, 'memory', {
      controllers: [TimedController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: SlowOuterInterceptor }],
    });
    controller = http.app.get(TimedController);
  });
  afterEach(() => http.close());

  it('answers the request served stale past `timeout` when its run lands while the stale answer is on its way', async () => {
    await request(http.server).get('/timed/soft/1').expect(200);
    await sleep(1_100);
    // The run lands at ~100 ms, after the stale answer was handed out (50 ms) and before
    // the outer interceptor passes it on to be written (50 + 150 ms).
    controller.softMs = 100;
    SlowOuterInterceptor.delayMs = 150;
    const stale = await request(http.server)
      .get('/timed/soft/1')
      .timeout(3_000)
      .then(
        (r) => ({ status: r.status, cache: r.headers['x-cache'], body: r.body }),
        (error: Error) => ({ error: error.message }),
      );
    expect(stale).toEqual({ status: 200, cache: 'STALE', body: { id: '1', run: 1 } });
  });

  it("answers a request that joined a run which finished well within hardTimeout (the leader's outer interceptor is slow)", async () => {
    SlowOuterInterceptor.delayMs = 150;
    const leader = request(http.server)
      .get('/timed/hard/1')
      .then((r) => r);
    await until(() => controller.hardStarted === 1);
    const joiner = request(http.server)
      .get('/timed/hard/1')
      .then((r) => r);
    await sleep(20);
    // The handler answers at once: the execution is done in ~0 ms of the 100 ms allowed.
    controller.latch.open();
    const [l, j] = await Promise.all([leader, joiner]);
    expect(controller.hardRuns).toBe(1);
    expect({ leader: l.status, joiner: j.status, body: j.body }).toEqual({
      leader: 200,
      joiner: 200,
      body: { id: '1', run: 1 },
    });
  });

  it('answers 500 past hardTimeout when the run lands while the error is on its way', async () => {
    // The 500 is decided at 100 ms and written at 100 + 150 ms; the run lands at 150 ms.
    SlowOuterInterceptor.delayMs = 150;
    const late = await request(http.server)
      .get('/timed/too-slow/1')
      .timeout(3_000)
      .then(
        (r) => ({ status: r.status }),
        (error: Error) => ({ error: error.message }),
      );
    expect(late).toEqual({ status: 500 });
  });
});

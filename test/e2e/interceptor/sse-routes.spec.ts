import { Controller, type MessageEvent, Sse, UseInterceptors } from '@nestjs/common';
import { interval, map, Observable, take } from 'rxjs';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';

/** A Server-Sent Events route streams: each event is written as it comes, so nothing is cached. */
const events = (): Observable<MessageEvent> =>
  interval(20).pipe(
    take(3),
    map((i) => ({ data: { n: i } })),
  );

@Controller('feed')
@UseInterceptors(CacheMemoizeInterceptor)
class FeedController {
  runs = 0;

  @Sse('cached')
  @CacheMemoize('1m')
  cached(): Observable<MessageEvent> {
    this.runs++;
    return events();
  }
}

const EVENTS = ['data: {"n":0}', 'data: {"n":1}', 'data: {"n":2}'];

describe.each<Platform>(['express', 'fastify'])('an @Sse() route with @CacheMemoize, on %s', (platform) => {
  let http: HttpApp;
  beforeEach(async () => (http = await startHttpApp(platform, 'memory', { controllers: [FeedController] })));
  afterEach(() => http.close());

  const get = () =>
    request(http.server)
      .get('/feed/cached')
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      });
  const dataLines = (text: string) => text.split('\n').filter((line) => line.startsWith('data:'));

  it('streams every event to every request, each its own run', async () => {
    const first = await get();
    const second = await get();
    expect([dataLines(first.body as string), dataLines(second.body as string)]).toEqual([EVENTS, EVENTS]);
    expect(http.app.get(FeedController).runs).toBe(2);
    expect(second.headers['x-cache']).toBe('BYPASS');
  });
});

import { Controller, Get, Res, UseInterceptors } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { useFakeClock } from '../../fixtures/fake-clock.js';
import { compressionFor, type RawResponse, rawRequest } from '../../fixtures/http/compressed.js';
import { type HttpApp, type Platform, startHttpApp, type StoreKind } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

/**
 * A background refresh runs the handler again on the response of the hit that started it,
 * after that hit went out, compressed or not; a STALE answer is replayed like a hit. Neither
 * may carry what compression did to that one response into the entry.
 */
type Reply = { header(name: string, value: string): unknown };
const LARGE = 'lorem ipsum '.repeat(200);

@Controller('feed')
@UseInterceptors(CacheMemoizeInterceptor)
class FeedController {
  readonly runs = new Runs();
  failing = false;

  @Get('json')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async json(): Promise<object> {
    return { run: this.runs.count('json'), text: LARGE };
  }

  @Get('text')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async text(): Promise<string> {
    return `run ${this.runs.count('text')} ${LARGE}`;
  }

  /** Sets its headers itself, on the response of the hit when it is refreshed. */
  @Get('passthrough')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async passthrough(@Res({ passthrough: true }) res: Reply): Promise<string> {
    res.header('Content-Type', 'text/csv; charset=utf-8');
    return `run,${this.runs.count('passthrough')}\n${LARGE}`;
  }

  @Get('stale')
  @CacheMemoize({ ttl: '10s', staleIfError: '1m' })
  async stale(): Promise<object> {
    if (this.failing) throw new Error('backend down');
    return { run: this.runs.count('stale'), text: LARGE };
  }
}

const MATRIX: Array<[Platform, StoreKind]> = [
  ['express', 'memory'],
  ['fastify', 'memory'],
  ['express', 'redis'],
  ['fastify', 'redis'],
];

describe.each(MATRIX)('refreshes and stale answers behind compression on %s with a %s cache', (platform, store) => {
  let http: HttpApp;
  let clock: ReturnType<typeof useFakeClock>;
  beforeEach(async () => {
    clock = useFakeClock();
    http = await startHttpApp(platform, store, { controllers: [FeedController] }, {}, compressionFor(platform));
  });
  afterEach(async () => {
    await http.close();
    clock.restore();
  });
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(http.server, path, headers);
  const seen = (r: RawResponse) => [r.status, r.headers['x-cache'], r.headers['content-encoding']];

  it.each(['json', 'text', 'passthrough'])(
    'stores the refresh a gzipped hit started as a body every client reads (%s)',
    async (route) => {
      const miss = await get(`/feed/${route}`);
      clock.advance(11_000);
      const due = await get(`/feed/${route}`, { 'accept-encoding': 'gzip' });
      await sleep(100); // the refresh ran on the gzipped hit's response, and was stored
      const plain = await get(`/feed/${route}`);
      const br = await get(`/feed/${route}`, { 'accept-encoding': 'br' });
      expect([miss, due, plain, br].map(seen)).toEqual([
        [200, 'MISS', undefined],
        [200, 'HIT', 'gzip'],
        [200, 'HIT', undefined],
        [200, 'HIT', 'br'],
      ]);
      expect(due.text).toBe(miss.text);
      expect(plain.text).toBe(miss.text.replace('1', '2'));
      expect(br.text).toBe(plain.text);
      expect(new Set([miss, due, plain, br].map((r) => r.headers['content-type'])).size).toBe(1);
      expect(Number(plain.headers['content-length'])).toBe(plain.wire.length);
    },
  );

  it('answers STALE in the encoding each client asked for', async () => {
    const miss = await get('/feed/stale', { 'accept-encoding': 'gzip' });
    http.app.get(FeedController).failing = true;
    clock.advance(11_000);
    const plain = await get('/feed/stale');
    const gzip = await get('/feed/stale', { 'accept-encoding': 'gzip' });
    expect([miss, plain, gzip].map(seen)).toEqual([
      [200, 'MISS', 'gzip'],
      [200, 'STALE', undefined],
      [200, 'STALE', 'gzip'],
    ]);
    expect(new Set([miss, plain, gzip].map((r) => r.text)).size).toBe(1);
    expect(JSON.parse(plain.wire.toString())).toEqual({ run: 1, text: LARGE });
  });
});

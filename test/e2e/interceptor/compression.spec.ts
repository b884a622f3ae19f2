import { Controller, Get, Header, Param, Res, UseInterceptors } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { gunzipSync } from 'node:zlib';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { compressionFor, type RawResponse, rawRequest } from '../../fixtures/http/compressed.js';
import { type HttpApp, type Platform, startHttpApp, type StoreKind } from '../../fixtures/http/http-app.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import { Runs } from '../../fixtures/http/runs.js';

/**
 * Compression runs after the interceptor: Express's `compression` as the response is written,
 * @fastify/compress in an `onSend` hook. What is stored is the handler's body; each client
 * must get it in the encoding it asked for, whoever asked first.
 */
type Reply = { header(name: string, value: string): unknown };
/** Past compression's 1 KiB threshold, on both platforms. */
const LARGE = 'lorem ipsum '.repeat(200);

@Controller('docs')
@UseInterceptors(CacheMemoizeInterceptor)
class DocsController {
  readonly runs = new Runs();

  @Get('large')
  @CacheMemoize('1m')
  async large(): Promise<object> {
    return { run: this.runs.count('large'), text: LARGE };
  }

  /** Keyed by its argument: the request is held at the handler until the key is known. */
  @Get('keyed/:id')
  @CacheMemoize({ ttl: '1m', key: (id: string) => id })
  async keyed(@Param('id') id: string): Promise<object> {
    return { id, run: this.runs.count('keyed'), text: LARGE };
  }

  readonly latch = new Latch();

  /** Waits for the test, so requests with different encodings join one execution. */
  @Get('slow')
  @CacheMemoize('1m')
  async slow(): Promise<object> {
    const run = this.runs.count('slow');
    await this.latch.opened;
    return { run, text: LARGE };
  }

  @Get('small')
  @CacheMemoize('1m')
  async small(): Promise<object> {
    return { run: this.runs.count('small') };
  }

  @Get('text')
  @CacheMemoize('1m')
  async text(): Promise<string> {
    return `run ${this.runs.count('text')} ${LARGE}`;
  }

  /** Asks proxies and compression to leave its bytes alone: its hits say so too. */
  @Get('raw')
  @Header('Cache-Control', 'public, no-transform')
  @CacheMemoize('1m')
  async raw(): Promise<object> {
    return { run: this.runs.count('raw'), text: LARGE };
  }

  @Get('csv')
  @CacheMemoize('1m')
  async csv(@Res({ passthrough: true }) res: Reply): Promise<string> {
    res.header('Content-Type', 'text/csv; charset=utf-8');
    return `run,${this.runs.count('csv')}\n${LARGE}`;
  }
}

const MATRIX: Array<[Platform, StoreKind]> = [
  ['express', 'memory'],
  ['fastify', 'memory'],
  ['express', 'redis'],
  ['fastify', 'redis'],
];

describe.each(MATRIX)('a cached handler behind compression on %s with a %s cache', (platform, store) => {
  let http: HttpApp;
  beforeEach(async () => {
    http = await startHttpApp(platform, store, { controllers: [DocsController] }, {}, compressionFor(platform));
  });
  afterEach(() => http.close());
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(http.server, path, headers);
  const summary = (r: RawResponse) => ({
    status: r.status,
    cache: r.headers['x-cache'],
    encoding: r.headers['content-encoding'],
    type: r.headers['content-type'],
  });

  it('answers gzip, identity, no Accept-Encoding and br from one entry, each in its own encoding', async () => {
    const gzip = await get('/docs/large', { 'accept-encoding': 'gzip' });
    const identity = await get('/docs/large', { 'accept-encoding': 'identity' });
    const none = await get('/docs/large');
    const br = await get('/docs/large', { 'accept-encoding': 'br' });
    const json = 'application/json; charset=utf-8';
    expect([gzip, identity, none, br].map(summary)).toEqual([
      { status: 200, cache: 'MISS', encoding: 'gzip', type: json },
      { status: 200, cache: 'HIT', encoding: undefined, type: json },
      { status: 200, cache: 'HIT', encoding: undefined, type: json },
      { status: 200, cache: 'HIT', encoding: 'br', type: json },
    ]);
    for (const r of [gzip, identity, none, br]) {
      expect(JSON.parse(r.text)).toEqual({ run: 1, text: LARGE });
      if (r.headers['content-length'] !== undefined) expect(Number(r.headers['content-length'])).toBe(r.wire.length);
    }
    expect([gzip, br].map((r) => r.headers.vary)).toEqual([
      expect.stringMatching(/accept-encoding/i),
      expect.stringMatching(/accept-encoding/i),
    ]);
    // Plain JSON on the wire for who did not ask, compressed once for who did.
    expect(JSON.parse(identity.wire.toString())).toEqual({ run: 1, text: LARGE });
    expect(JSON.parse(gunzipSync(gzip.wire).toString())).toEqual({ run: 1, text: LARGE });
  });

  it('compresses a hit for a client that asks, after a miss that was sent plain', async () => {
    const plain = await get('/docs/large');
    const gzip = await get('/docs/large', { 'accept-encoding': 'gzip' });
    expect([summary(plain).encoding, summary(gzip)]).toEqual([
      undefined,
      { status: 200, cache: 'HIT', encoding: 'gzip', type: 'application/json; charset=utf-8' },
    ]);
    expect(JSON.parse(gunzipSync(gzip.wire).toString())).toEqual(JSON.parse(plain.text));
  });

  it('serves a handler with key the same way', async () => {
    const gzip = await get('/docs/keyed/7', { 'accept-encoding': 'gzip' });
    const none = await get('/docs/keyed/7');
    const br = await get('/docs/keyed/7', { 'accept-encoding': 'br' });
    expect([gzip, none, br].map(summary).map((r) => [r.cache, r.encoding])).toEqual([
      ['MISS', 'gzip'],
      ['HIT', undefined],
      ['HIT', 'br'],
    ]);
    for (const r of [gzip, none, br]) expect(JSON.parse(r.text)).toEqual({ id: '7', run: 1, text: LARGE });
  });

  it('gives each client of one shared execution its own encoding', async () => {
    const controller = http.app.get(DocsController);
    const pending = ['gzip', 'identity', 'br', ''].map((accept) =>
      get('/docs/slow', accept === '' ? {} : { 'accept-encoding': accept }),
    );
    await until(() => controller.runs.of('slow') === 1);
    await sleep(50); // the others join the running execution
    controller.latch.open();
    const responses = await Promise.all(pending);
    expect(responses.map((r) => r.headers['content-encoding'])).toEqual(['gzip', undefined, 'br', undefined]);
    for (const r of responses) expect(JSON.parse(r.text)).toEqual({ run: 1, text: LARGE });
    expect(JSON.parse(responses[3].wire.toString())).toEqual({ run: 1, text: LARGE });
    expect(controller.runs.of('slow')).toBe(1);
  });

  it('sends a body under the threshold plain, with its length', async () => {
    const miss = await get('/docs/small', { 'accept-encoding': 'gzip' });
    const hit = await get('/docs/small', { 'accept-encoding': 'gzip' });
    for (const r of [miss, hit]) {
      expect(r.headers['content-encoding']).toBeUndefined();
      expect(Number(r.headers['content-length'])).toBe(r.wire.length);
      expect(JSON.parse(r.text)).toEqual({ run: 1 });
    }
    expect(hit.headers['x-cache']).toBe('HIT');
  });

  it.each(['text', 'csv'])('serves a string body (%s) the same way', async (route) => {
    const gzip = await get(`/docs/${route}`, { 'accept-encoding': 'gzip' });
    const plain = await get(`/docs/${route}`);
    const gzipAgain = await get(`/docs/${route}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect([gzip, plain, gzipAgain].map((r) => [r.headers['x-cache'], r.headers['content-encoding']])).toEqual([
      ['MISS', 'gzip'],
      ['HIT', undefined],
      ['HIT', expect.stringMatching(/^(gzip|br)$/)],
    ]);
    expect(new Set([gzip, plain, gzipAgain].map((r) => r.text)).size).toBe(1);
    expect(new Set([gzip, plain, gzipAgain].map((r) => r.headers['content-type'])).size).toBe(1);
    if (route === 'csv') expect(plain.headers['content-type']).toBe('text/csv; charset=utf-8');
  });

  it('replays @Header() Cache-Control, so compression treats a hit as it treated the miss', async () => {
    const miss = await get('/docs/raw', { 'accept-encoding': 'gzip' });
    const hit = await get('/docs/raw', { 'accept-encoding': 'gzip' });
    expect([hit.headers['x-cache'], hit.headers['cache-control']]).toEqual(['HIT', 'public, no-transform']);
    expect(hit.headers['content-encoding']).toBe(miss.headers['content-encoding']);
    // Express's compression honours no-transform; @fastify/compress 9 does not look at it.
    if (platform === 'express') expect(JSON.parse(hit.wire.toString())).toEqual({ run: 1, text: LARGE });
    expect(JSON.parse(hit.text)).toEqual({ run: 1, text: LARGE });
  });

  it('answers HEAD with no body, and a GET after it with the whole one', async () => {
    const head = await get('/docs/large', { 'accept-encoding': 'gzip' }).then(() =>
      rawRequest(http.server, '/docs/large', { 'accept-encoding': 'gzip' }, 'HEAD'),
    );
    expect([head.status, head.headers['x-cache'], head.wire.length]).toEqual([200, 'HIT', 0]);
    const coldHead = await rawRequest(http.server, '/docs/text', {}, 'HEAD');
    const get2 = await get('/docs/text', { 'accept-encoding': 'gzip' });
    expect([coldHead.headers['x-cache'], get2.headers['x-cache'], get2.headers['content-encoding']]).toEqual([
      'MISS',
      'HIT',
      'gzip',
    ]);
    expect(get2.text).toBe(`run 1 ${LARGE}`);
  });

  it('answers 304 to a compressed client whose copy is current', async () => {
    const first = await get('/docs/large', { 'accept-encoding': 'gzip' });
    const etag = first.headers.etag!;
    const again = await get('/docs/large', { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect([again.status, again.wire.length, again.headers['x-cache']]).toEqual([304, 0, 'HIT']);
    const supertestHit = await request(http.server).get('/docs/large').expect(200);
    expect(supertestHit.body).toEqual({ run: 1, text: LARGE });
  });
});

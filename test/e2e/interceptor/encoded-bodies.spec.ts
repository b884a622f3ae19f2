import { Controller, Get, Headers, Res, UseInterceptors } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { useFakeClock } from '../../fixtures/fake-clock.js';
import { compressionFor, type RawResponse, rawRequest } from '../../fixtures/http/compressed.js';
import { type HttpApp, startHttpApp, type StoreKind } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

/**
 * A handler that encodes its body itself and says so with `Content-Encoding` (a pre-built
 * gzip asset, or its own negotiation). Its bytes mean nothing without that header: a hit must
 * carry it (else compression encodes the bytes a second time, and a client that asked for
 * nothing gets gzip it cannot read), and bytes chosen by `Accept-Encoding` are for the clients
 * that accept them. Fastify only: Nest's Express adapter sends a returned Buffer as JSON, so an
 * Express handler sends encoded bytes as a StreamableFile, which is never cached.
 */
type Reply = { header(name: string, value: string): unknown };
const LARGE = 'lorem ipsum '.repeat(200);

@Controller('assets')
@UseInterceptors(CacheMemoizeInterceptor)
class AssetsController {
  readonly runs = new Runs();

  @Get('prebuilt')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async prebuilt(@Res({ passthrough: true }) res: Reply): Promise<Buffer> {
    res.header('Content-Type', 'application/json');
    res.header('Content-Encoding', 'gzip');
    return gzipSync(JSON.stringify({ run: this.runs.count('prebuilt'), text: LARGE }));
  }

  @Get('negotiated')
  @CacheMemoize('1m')
  async negotiated(
    @Headers('accept-encoding') accept: string | undefined,
    @Res({ passthrough: true }) res: Reply,
  ): Promise<Buffer | string> {
    res.header('Content-Type', 'application/json');
    res.header('Vary', 'Accept-Encoding');
    const body = JSON.stringify({ run: this.runs.count('negotiated'), text: LARGE });
    if (!accept?.includes('gzip')) return body;
    res.header('Content-Encoding', 'gzip');
    return gzipSync(body);
  }

  @Get('negotiated-keyed')
  @CacheMemoize({ ttl: '1m', vary: ['accept-encoding'] })
  async negotiatedKeyed(
    @Headers('accept-encoding') accept: string | undefined,
    @Res({ passthrough: true }) res: Reply,
  ): Promise<Buffer | string> {
    return this.negotiated(accept, res);
  }
}

describe.each<StoreKind>(['memory', 'redis'])(
  'a handler that encodes its own body, on fastify with a %s cache',
  (store) => {
    let http: HttpApp;
    let clock: ReturnType<typeof useFakeClock>;
    beforeEach(async () => {
      clock = useFakeClock();
      http = await startHttpApp('fastify', store, { controllers: [AssetsController] }, {}, compressionFor('fastify'));
    });
    afterEach(async () => {
      await http.close();
      clock.restore();
    });
    const get = (path: string, headers: Record<string, string> = {}) => rawRequest(http.server, path, headers);
    const seen = (r: RawResponse) => [r.headers['x-cache'], r.headers['content-encoding']];

    it('replays its Content-Encoding, so a hit is decoded once into its body', async () => {
      const miss = await get('/assets/prebuilt', { 'accept-encoding': 'gzip' });
      const hit = await get('/assets/prebuilt', { 'accept-encoding': 'gzip' });
      expect([miss, hit].map(seen)).toEqual([
        ['MISS', 'gzip'],
        ['HIT', 'gzip'],
      ]);
      expect(JSON.parse(hit.text)).toEqual({ run: 1, text: LARGE });
      expect(hit.wire).toEqual(miss.wire);
    });

    it('keeps its Content-Encoding through a refresh started by a hit', async () => {
      await get('/assets/prebuilt', { 'accept-encoding': 'gzip' });
      clock.advance(11_000);
      await get('/assets/prebuilt', { 'accept-encoding': 'gzip' });
      await sleep(100); // the refresh ran and was stored
      const hit = await get('/assets/prebuilt', { 'accept-encoding': 'gzip' });
      expect(seen(hit)).toEqual(['HIT', 'gzip']);
      expect(JSON.parse(hit.text)).toEqual({ run: 2, text: LARGE });
    });

    it('never hands bytes it encoded for one Accept-Encoding to a client that did not ask for them', async () => {
      const gzip = await get('/assets/negotiated', { 'accept-encoding': 'gzip' });
      const plain = await get('/assets/negotiated', { 'accept-encoding': 'identity' });
      const none = await get('/assets/negotiated');
      expect([gzip, plain, none].map(seen)).toEqual([
        ['MISS', 'gzip'],
        ['MISS', undefined],
        ['HIT', undefined],
      ]);
      expect(JSON.parse(none.wire.toString())).toEqual({ run: 2, text: LARGE });
    });

    it('stores each encoding when vary holds Accept-Encoding', async () => {
      const responses = [];
      for (const accept of ['gzip', 'identity', 'gzip', 'identity']) {
        responses.push(await get('/assets/negotiated-keyed', { 'accept-encoding': accept }));
      }
      expect(responses.map(seen)).toEqual([
        ['MISS', 'gzip'],
        ['MISS', undefined],
        ['HIT', 'gzip'],
        ['HIT', undefined],
      ]);
      expect(responses.map((r) => JSON.parse(r.text).run)).toEqual([1, 2, 1, 2]);
    });
  },
);

import { Controller, Get, Header, Headers, type INestApplication, Res, UseInterceptors } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheConfigError, CacheMemoize, CacheMemoizeInterceptor, CacheMemoizeModule } from '../../../lib/index.js';
import { bootstrapFailure } from '../../fixtures/create-app.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';

/**
 * A handler that says, the standard way, that its answer depends on a request header: it
 * sends `Vary: Accept-Language`. One language's answer must never reach a client asking for
 * another: the header must be in the key (`vary`), or the response is not kept.
 */
type Reply = { header(name: string, value: string): unknown };
const greet = (language?: string) => ({ text: language?.startsWith('fr') ? 'Bonjour' : 'Hello' });

@Controller('greeting')
@UseInterceptors(CacheMemoizeInterceptor)
class GreetingController {
  /** `@Header('Vary')` with the header in the key. */
  @Get('declared')
  @Header('Vary', 'Accept-Language')
  @CacheMemoize({ ttl: '1m', vary: ['accept-language'] })
  async declared(@Headers('accept-language') language?: string): Promise<object> {
    return greet(language);
  }

  /** Sets Vary itself, the header not in the key: never stored. */
  @Get('unkeyed')
  @CacheMemoize('1m')
  async unkeyed(@Headers('accept-language') language: string | undefined, @Res({ passthrough: true }) res: Reply) {
    res.header('Vary', 'Accept-Language');
    return greet(language);
  }

  /** Sets Vary itself, the header in the key. */
  @Get('keyed')
  @CacheMemoize({ ttl: '1m', vary: ['accept-language'] })
  async keyed(@Headers('accept-language') language: string | undefined, @Res({ passthrough: true }) res: Reply) {
    res.header('Vary', 'Accept-Language');
    return greet(language);
  }

  /** The header in the key only: the interceptor names it in Vary. */
  @Get('option')
  @CacheMemoize({ ttl: '1m', vary: ['accept-language'] })
  async option(@Headers('accept-language') language?: string): Promise<object> {
    return greet(language);
  }

  runs = 0;

  /** Varies on Accept-Encoding only: compression, applied after the body is stored. */
  @Get('encoding')
  @CacheMemoize('1m')
  async encoding(@Res({ passthrough: true }) res: Reply) {
    res.header('Vary', 'Accept-Encoding');
    return { run: ++this.runs };
  }

  /** Leaves Vary alone: whatever middleware (CORS) adds before it is not about its body. */
  @Get('plain')
  @CacheMemoize('1m')
  async plain() {
    return { run: ++this.runs };
  }
}

describe.each<Platform>(['express', 'fastify'])('a handler that sends Vary, on %s', (platform) => {
  let http: HttpApp;
  beforeEach(async () => (http = await startHttpApp(platform, 'memory', { controllers: [GreetingController] })));
  afterEach(() => http.close());
  const get = (path: string, language: string) => request(http.server).get(path).set('Accept-Language', language);

  it.each(['declared', 'keyed'])('keeps one entry per language when vary holds the header (%s)', async (route) => {
    const fr = await get(`/greeting/${route}`, 'fr-FR').expect(200);
    const en = await get(`/greeting/${route}`, 'en-US').expect(200);
    const frAgain = await get(`/greeting/${route}`, 'fr-FR').expect(200);
    expect([fr, en, frAgain].map((r) => [r.headers['x-cache'], r.body.text])).toEqual([
      ['MISS', 'Bonjour'],
      ['MISS', 'Hello'],
      ['HIT', 'Bonjour'],
    ]);
  });

  it('never stores a response whose Vary names a header the key does not hold', async () => {
    const fr = await get('/greeting/unkeyed', 'fr-FR').expect(200);
    const en = await get('/greeting/unkeyed', 'en-US').expect(200);
    const frAgain = await get('/greeting/unkeyed', 'fr-FR').expect(200);
    expect([fr, en, frAgain].map((r) => [r.headers['x-cache'], r.body.text])).toEqual([
      ['MISS', 'Bonjour'],
      ['MISS', 'Hello'],
      ['MISS', 'Bonjour'],
    ]);
  });

  it('stores a response that varies on Accept-Encoding only', async () => {
    await get('/greeting/encoding', 'fr-FR').expect(200);
    const again = await get('/greeting/encoding', 'en-US').expect(200);
    expect([again.headers['x-cache'], again.body]).toEqual(['HIT', { run: 1 }]);
  });
});

describe.each<Platform>(['express', 'fastify'])('Vary set by CORS before the handler, on %s', (platform) => {
  let app: INestApplication;
  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      controllers: [GreetingController],
    }).compile();
    app = moduleRef.createNestApplication(platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), {
      logger: false,
    });
    // With a list of origins, CORS answers each with its own Allow-Origin, and says Vary: Origin.
    app.enableCors({ origin: ['https://a.example', 'https://b.example'] });
    await app.listen(0, '127.0.0.1');
  });
  afterEach(() => app.close());

  it('still stores the response: that Vary is about the headers CORS writes on every response', async () => {
    const get = (origin: string) => request(app.getHttpServer()).get('/greeting/plain').set('Origin', origin);
    const first = await get('https://a.example').expect(200);
    const second = await get('https://b.example').expect(200);
    expect(first.headers['vary']).toMatch(/origin/i);
    expect([second.headers['access-control-allow-origin'], second.headers['x-cache'], second.body]).toEqual([
      'https://b.example',
      'HIT',
      first.body,
    ]);
  });
  it('keeps Vary: Origin beside the vary headers, on the miss and the hit', async () => {
    const get = (origin: string) =>
      request(app.getHttpServer()).get('/greeting/option').set('Origin', origin).set('Accept-Language', 'fr');
    const miss = await get('https://a.example').expect(200);
    const hit = await get('https://b.example').expect(200);
    // A CDN keys by Vary: without Origin, b's Allow-Origin would be served to a.
    for (const r of [miss, hit]) expect(r.headers['vary']).toMatch(/(^|, *)origin(,|$)/i);
    expect([hit.headers['x-cache'], hit.headers['access-control-allow-origin']]).toEqual(['HIT', 'https://b.example']);
    expect(hit.headers['vary']).toMatch(/accept-language/i);
  });
});

describe('@Header("Vary") naming a header the key does not hold', () => {
  it('fails at bootstrap, naming the handler and the vary option to add', async () => {
    @Controller('offers')
    @UseInterceptors(CacheMemoizeInterceptor)
    class OffersController {
      @Get()
      @Header('Vary', 'Accept-Language, Accept-Encoding, X-Region')
      @CacheMemoize('1m')
      async list(): Promise<object> {
        return {};
      }
    }
    const error = await bootstrapFailure({ imports: [CacheMemoizeModule.forRoot()], controllers: [OffersController] });
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toBe(
      "OffersController.list sends Vary: accept-language, x-region through @Header(), so its response depends on those request headers, which its key does not hold: add vary: ['accept-language', 'x-region'] to @CacheMemoize.",
    );
  });
});

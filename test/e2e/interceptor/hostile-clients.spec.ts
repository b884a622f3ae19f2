import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Header,
  Headers,
  HostParam,
  type INestApplication,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestMiddleware,
  type NestModule,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import fastifyCookie from '@fastify/cookie';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, CacheMemoizeModule } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Express's response and Fastify's reply both set a header with `header(name, value)`. */
interface HeaderSetter {
  header(name: string, value: string | string[]): unknown;
}

/** Sets `request.user` to what the `x-user` header says: 'null' and 'undefined' are taken literally. */
@Injectable()
class NullableUserGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: unknown }>();
    const said = req.headers['x-user'];
    req.user = said === 'null' ? null : said === 'undefined' ? undefined : said === 'false' ? false : { id: said };
    return true;
  }
}

@Controller('hostile')
@UseInterceptors(CacheMemoizeInterceptor)
class HostileController {
  readonly runs = new Runs();

  /** No guard: the handler reads the credential itself, so the key must not mix credentials. */
  @Get('echo')
  @CacheMemoize('1m')
  async echo(@Headers() headers: Record<string, string | undefined>): Promise<object> {
    return { key: headers['x-api-key'] ?? null, cookie: headers['cookie'] ?? null, run: this.runs.count('echo') };
  }

  @Get('user')
  @UseGuards(NullableUserGuard)
  @CacheMemoize('1m')
  async user(@Req() req: { user?: unknown }): Promise<object> {
    return { user: req.user ?? null, run: this.runs.count('user') };
  }

  @Get('cookie-array')
  @CacheMemoize('1m')
  async cookieArray(@Res({ passthrough: true }) res: HeaderSetter): Promise<object> {
    res.header('Set-Cookie', ['a=1', 'session=s3cr3t']);
    return { run: this.runs.count('cookie-array') };
  }

  @Get('private-upper')
  @Header('CACHE-CONTROL', 'PRIVATE')
  @CacheMemoize('1m')
  async privateUpper(): Promise<object> {
    return { run: this.runs.count('private-upper') };
  }

  @Get('no-store-mixed')
  @CacheMemoize('1m')
  async noStoreMixed(@Res({ passthrough: true }) res: HeaderSetter): Promise<object> {
    res.header('cache-control', 'Public, Max-Age=60, No-Store');
    return { run: this.runs.count('no-store-mixed') };
  }

  @Get('vary-list-star')
  @CacheMemoize('1m')
  async varyListStar(@Res({ passthrough: true }) res: HeaderSetter): Promise<object> {
    res.header('Vary', 'Accept-Encoding, *');
    return { run: this.runs.count('vary-list-star') };
  }

  @Get('query')
  @CacheMemoize('1m')
  async query(@Query() query: Record<string, unknown>): Promise<object> {
    return { query, run: this.runs.count('query') };
  }

  @Get('head')
  @CacheMemoize('1m')
  async head(): Promise<object> {
    return { page: 'head', run: this.runs.count('head') };
  }
}

@Controller('express-cookie')
@UseInterceptors(CacheMemoizeInterceptor)
class ExpressCookieController {
  readonly runs = new Runs();

  @Get()
  @CacheMemoize('1m')
  async login(@Res({ passthrough: true }) res: { cookie(name: string, value: string): unknown }): Promise<object> {
    res.cookie('session', `s${this.runs.count('login')}`);
    return { page: 'login' };
  }
}

@Controller('fastify-cookie')
@UseInterceptors(CacheMemoizeInterceptor)
class FastifyCookieController {
  readonly runs = new Runs();

  /** @fastify/cookie writes the Set-Cookie header only when the reply is sent, after the handler. */
  @Get()
  @CacheMemoize('1m')
  async login(@Res({ passthrough: true }) reply: { setCookie(name: string, value: string): unknown }): Promise<object> {
    const run = this.runs.count('login');
    reply.setCookie('session', `s${run}`);
    return { user: `u${run}` };
  }
}

/**
 * Authenticates in a Nest middleware from a header no credential list knows. On Fastify a
 * middleware is given Node's request, which the handler reads as `req.raw`.
 */
@Injectable()
class SessionMiddleware implements NestMiddleware {
  use(req: { headers: Record<string, string | undefined>; user?: object }, _res: unknown, next: () => void): void {
    const session = req.headers['x-session'];
    if (session) req.user = { id: session };
    next();
  }
}

@Controller('middleware-user')
@UseInterceptors(CacheMemoizeInterceptor)
class MiddlewareUserController {
  readonly runs = new Runs();

  @Get()
  @CacheMemoize('1m')
  async mine(@Req() req: { user?: { id: string }; raw?: { user?: { id: string } } }): Promise<object> {
    return { user: (req.user ?? req.raw?.user)?.id ?? null, run: this.runs.count('mine') };
  }
}

@Module({ controllers: [MiddlewareUserController], providers: [SessionMiddleware] })
class MiddlewareUserModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SessionMiddleware).forRoutes(MiddlewareUserController);
  }
}

@Controller({ host: ':tenant.shop.example', path: 'catalog' })
@UseInterceptors(CacheMemoizeInterceptor)
class StorefrontController {
  readonly runs = new Runs();

  @Get()
  @CacheMemoize('1m')
  async catalog(@HostParam('tenant') tenant: string): Promise<object> {
    return { tenant, run: this.runs.count('catalog') };
  }
}

describe.each(PLATFORMS)('CacheMemoizeInterceptor on %s against a hostile client', (platform) => {
  let http: HttpApp;
  const get = (path: string, headers: Record<string, string> = {}) => request(http.server).get(path).set(headers);

  beforeEach(async () => {
    http = await startHttpApp(platform, 'memory', {
      imports: [MiddlewareUserModule],
      controllers: platform === 'express' ? [HostileController, ExpressCookieController] : [HostileController],
    });
  });
  afterEach(() => http.close());

  it('treats a credential header in any case as personal (X-API-KEY, x-api-key)', async () => {
    await get('/hostile/echo', { 'X-API-KEY': 'tenant-a' }).expect(200);
    const b = await get('/hostile/echo', { 'x-Api-kEy': 'tenant-b' }).expect(200);
    expect(b.body).toEqual({ key: 'tenant-b', cookie: null, run: 2 });
  });

  it('treats an empty credential header or an empty Cookie as present, never as anonymous', async () => {
    await get('/hostile/echo', { 'x-api-key': '' }).expect(200);
    await get('/hostile/echo', { cookie: '' }).expect(200);
    const anonymous = await get('/hostile/echo').expect(200);
    // Neither emptied request stored an entry the anonymous one would be answered from.
    expect(anonymous.headers['x-cache']).toBe('MISS');
    expect(anonymous.body).toEqual({ key: null, cookie: null, run: 3 });
  });

  it('never answers a credential-carrying request from an anonymous entry, even with repeated headers', async () => {
    await get('/hostile/echo').expect(200);
    const repeated = await request(http.server)
      .get('/hostile/echo')
      .set('X-API-Key', ['tenant-a', 'tenant-b'] as unknown as string)
      .expect(200);
    expect(repeated.headers['x-cache']).toBe('BYPASS');
    expect(repeated.body.key).toMatch(/tenant-a/);
  });

  it.each(['null', 'undefined'])('treats request.user = %s as anonymous (cached)', async (user) => {
    await get('/hostile/user', { 'x-user': user }).expect(200);
    const again = await get('/hostile/user', { 'x-user': user }).expect(200);
    expect([again.headers['x-cache'], again.body.run]).toEqual(['HIT', 1]);
  });

  it('treats request.user = false, or any user, as personal', async () => {
    await get('/hostile/user', { 'x-user': 'alice' }).expect(200);
    const bob = await get('/hostile/user', { 'x-user': 'bob' }).expect(200);
    const none = await get('/hostile/user', { 'x-user': 'false' }).expect(200);
    expect(bob.body).toEqual({ user: { id: 'bob' }, run: 2 });
    expect([bob.headers['x-cache'], none.headers['x-cache']]).toEqual(['BYPASS', 'BYPASS']);
  });

  it('never stores nor replays a Set-Cookie given as an array', async () => {
    const first = await get('/hostile/cookie-array').expect(200);
    const second = await get('/hostile/cookie-array').expect(200);
    expect(first.headers['set-cookie']).toEqual(['a=1', 'session=s3cr3t']);
    expect(second.body.run).toBe(2);
    expect(second.headers['x-cache']).not.toBe('HIT');
  });

  it.each(['private-upper', 'no-store-mixed', 'vary-list-star'])(
    'never stores /hostile/%s (Cache-Control or Vary in another casing or in a list)',
    async (path) => {
      await get(`/hostile/${path}`).expect(200);
      const second = await get(`/hostile/${path}`).expect(200);
      expect([second.headers['x-cache'], second.body.run]).toEqual(['MISS', 2]);
    },
  );

  it('keeps apart query strings a parser tells apart: repeated parameters in another order, encoded ampersands', async () => {
    await get('/hostile/query?a=1&a=2').expect(200);
    const swapped = await get('/hostile/query?a=2&a=1').expect(200);
    const encoded = await get('/hostile/query?a=1%26b%3D2').expect(200);
    const split = await get('/hostile/query?a=1&b=2').expect(200);
    expect(swapped.body.query).toEqual({ a: ['2', '1'] });
    expect(encoded.body.query).toEqual({ a: '1&b=2' });
    expect(split.body.query).toEqual({ a: '1', b: '2' });
    expect([swapped.body.run, encoded.body.run, split.body.run]).toEqual([2, 3, 4]);
  });

  it('keeps apart repeated parameters whose names are spelt differently (a and %61) in another order', async () => {
    const first = await get('/hostile/query?a=1&%61=2').expect(200);
    const swapped = await get('/hostile/query?%61=2&a=1').expect(200);
    expect(first.body.query).toEqual({ a: ['1', '2'] });
    expect(swapped.body).toEqual({ query: { a: ['2', '1'] }, run: 2 });
  });

  it('answers a GET after a HEAD with the whole body', async () => {
    const head = await request(http.server).head('/hostile/head').expect(200);
    const get1 = await get('/hostile/head').expect(200);
    expect(head.body).toEqual({});
    expect(get1.body).toEqual({ page: 'head', run: 1 });
    expect(get1.headers['x-cache']).toBe('HIT');
    expect(Number(get1.headers['content-length'])).toBe(JSON.stringify(get1.body).length);
  });

  it('treats a request whose middleware set request.user as personal', async () => {
    await get('/middleware-user', { 'x-session': 'alice' }).expect(200);
    const bob = await get('/middleware-user', { 'x-session': 'bob' }).expect(200);
    expect(bob.body).toEqual({ user: 'bob', run: 2 });
    expect(bob.headers['x-cache']).toBe('BYPASS');
  });

  if (platform === 'express') {
    it("never stores nor replays a cookie set with Express's res.cookie()", async () => {
      const first = await get('/express-cookie').expect(200);
      const second = await get('/express-cookie').expect(200);
      expect(first.headers['set-cookie']).toEqual(['session=s1; Path=/']);
      expect(second.headers['set-cookie']).toEqual(['session=s2; Path=/']);
    });
  }
});

/** A Nest app behind a proxy it trusts: Nest routes `@Controller({ host })` by X-Forwarded-Host. */
async function startProxiedApp(platform: Platform): Promise<{ app: INestApplication; server: unknown }> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheMemoizeModule.forRoot()],
    controllers: [StorefrontController],
  }).compile();
  const adapter: AbstractHttpAdapter =
    platform === 'express' ? new ExpressAdapter() : new FastifyAdapter({ trustProxy: true });
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  if (platform === 'express') (app as NestExpressApplication).set('trust proxy', true);
  await app.listen(0, '127.0.0.1');
  return { app, server: app.getHttpServer() };
}

describe('CacheMemoizeInterceptor on fastify with @fastify/cookie', () => {
  let app: NestFastifyApplication;
  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      controllers: [FastifyCookieController],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.register(fastifyCookie);
    await app.listen(0, '127.0.0.1');
  });
  afterEach(() => app.close());

  it('never stores nor replays a response whose handler set a cookie with reply.setCookie()', async () => {
    const first = await request(app.getHttpServer()).get('/fastify-cookie').expect(200);
    const second = await request(app.getHttpServer()).get('/fastify-cookie').expect(200);
    expect([first.body, first.headers['set-cookie']]).toEqual([{ user: 'u1' }, ['session=s1; SameSite=Lax']]);
    expect([second.body, second.headers['set-cookie']]).toEqual([{ user: 'u2' }, ['session=s2; SameSite=Lax']]);
  });
});

describe.each(PLATFORMS)('CacheMemoizeInterceptor on %s behind a trusted proxy', (platform) => {
  let proxied: { app: INestApplication; server: unknown };
  beforeEach(async () => {
    proxied = await startProxiedApp(platform);
  });
  afterEach(() => proxied.app.close());

  it('keys by the host Nest routes by (X-Forwarded-Host): tenants behind one proxy never share entries', async () => {
    const get = (host: string) =>
      request(proxied.server as never)
        .get('/catalog')
        .set({ host: 'backend.internal', 'x-forwarded-host': host });
    const acme = await get('acme.shop.example').expect(200);
    const globex = await get('globex.shop.example').expect(200);
    expect(acme.body).toEqual({ tenant: 'acme', run: 1 });
    expect(globex.body).toEqual({ tenant: 'globex', run: 2 });
  });
});

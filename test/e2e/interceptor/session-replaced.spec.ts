import { Controller, Get, Module, Req, UseInterceptors } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { withExpressSession, withFastifySession, sessionSetups } from '../../fixtures/http/sessions.js';

/** A session replaced during the request, and credential headers sent in odd shapes. */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyReq = any;
let counter = 0;

@Controller('h')
@UseInterceptors(CacheMemoizeInterceptor)
class HeldController {
  /** Login-ish GET: a new session object (regenerate / replaced), with the secret in it. */
  @Get('regenerate')
  @CacheMemoize('1m')
  async regenerate(@Req() req: AnyReq): Promise<object> {
    const token = randomBytes(8).toString('hex');
    if (typeof req.session.regenerate === 'function') {
      await new Promise<void>((resolve, reject) => req.session.regenerate((e: unknown) => (e ? reject(e) : resolve())));
      if (req.session.set) req.session.set('csrf', token);
      else req.session.csrf = token;
    } else {
      req.session = { csrf: token }; // cookie-session
    }
    return { csrfToken: token };
  }

  /** Whoever asks: a counter that tells a stored answer from a fresh one. */
  @Get('who')
  @CacheMemoize('1m')
  async who(@Req() req: AnyReq): Promise<object> {
    return { auth: req.headers.authorization ?? null, cookie: req.headers.cookie ?? null, n: ++counter };
  }
}

@Module({ controllers: [HeldController] })
class HeldModule {}

describe.each(sessionSetups(HeldModule))('a new session object replaces the old one: %s', (_n, start) => {
  let app: INestApplication;
  beforeEach(async () => (app = await start()));
  afterEach(() => app.close());
  it('is seen as a write', async () => {
    const a = await request(app.getHttpServer()).get('/h/regenerate').expect(200);
    const b = await request(app.getHttpServer()).get('/h/regenerate').expect(200);
    expect([b.headers['x-cache'], b.body.csrfToken === a.body.csrfToken]).toEqual(['MISS', false]);
  });
});

function raw(
  app: INestApplication,
  headers: Array<[string, string | string[]]>,
): Promise<{ cache: string; body: string }> {
  const { port } = app.getHttpServer().address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/h/who' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ cache: String(res.headers['x-cache']), body }));
    });
    for (const [name, value] of headers) req.setHeader(name, value);
    req.on('error', reject);
    req.end();
  });
}

describe.each([['express'], ['fastify']] as const)('hostile credential headers on %s', (platform) => {
  let app: INestApplication;
  beforeEach(
    async () =>
      (app =
        platform === 'express' ? await withExpressSession(HeldModule) : await withFastifySession(HeldModule, false)),
  );
  afterEach(() => app.close());
  it.each([
    ['an empty Authorization', [['Authorization', '']]],
    ['an empty Cookie', [['Cookie', '']]],
    ['COOKIE in upper case, twice', [['COOKIE', ['sid=alice', 'x=1']]]],
    ['X-Api-Key in mixed case', [['X-Api-KEY', 'k1']]],
  ] as Array<[string, Array<[string, string | string[]]>]>)('%s passes through', async (_n, headers) => {
    await raw(app, []); // an anonymous answer is stored
    const hostile = await raw(app, headers);
    expect(hostile.cache).toBe('BYPASS');
  });
});

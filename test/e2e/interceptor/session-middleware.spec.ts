import { Controller, Get, Injectable, Module, Req, UseInterceptors } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import cookieSession from 'cookie-session';
import expressSession from 'express-session';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import {
  type SessionRequest,
  csrfOf,
  cookiesOf,
  SESSION_SECRET,
  withExpressSession,
  withFastifySession,
} from '../../fixtures/http/sessions.js';

/**
 * The real session middleware of both platforms, in front of cached handlers. A first-time
 * visitor sends no cookie, so its request is not personal; the middleware saves the session
 * and adds its Set-Cookie only as the response is written (express-session and cookie-session
 * in `writeHead`, @fastify/session in `onSend`), after the response was stored. A handler that
 * writes a secret into the new session (a CSRF token) must not have its response stored, nor
 * shared with another new visitor in flight; one that leaves the session alone is cached.
 */

@Injectable()
class Visits {
  latch = new Latch();
  started = 0;
  public = 0;
}

@Controller('s')
@UseInterceptors(CacheMemoizeInterceptor)
class SessionController {
  constructor(private readonly visits: Visits) {}

  /** Writes a CSRF secret into the visitor's session and hands out the token. */
  @Get('csrf')
  @CacheMemoize('1m')
  async csrf(@Req() req: SessionRequest): Promise<object> {
    return { csrfToken: csrfOf(req.session) };
  }

  /** The same, waiting for the test: new visitors in flight at once. */
  @Get('slow-csrf')
  @CacheMemoize('1m')
  async slowCsrf(@Req() req: SessionRequest): Promise<object> {
    this.visits.started++;
    await this.visits.latch.opened;
    return { csrfToken: csrfOf(req.session) };
  }

  /** Never touches the session: the same answer for everyone. */
  @Get('public')
  @CacheMemoize('1m')
  async public(): Promise<object> {
    return { n: ++this.visits.public };
  }
}

@Module({ controllers: [SessionController], providers: [Visits] })
class SessionModule {}

interface Setup {
  name: string;
  /** Whether every new visitor gets a session cookie, written or not (`saveUninitialized: true`). */
  cookieForAll: boolean;
  start(): Promise<INestApplication>;
}

const SETUPS: Setup[] = [
  {
    name: 'express-session (saveUninitialized: false)',
    cookieForAll: false,
    start: () =>
      withExpressSession(
        SessionModule,
        expressSession({ secret: SESSION_SECRET, resave: false, saveUninitialized: false }),
      ),
  },
  {
    name: 'express-session (saveUninitialized: true, its default)',
    cookieForAll: true,
    start: () =>
      withExpressSession(
        SessionModule,
        expressSession({ secret: SESSION_SECRET, resave: false, saveUninitialized: true }),
      ),
  },
  {
    name: 'cookie-session',
    cookieForAll: false,
    start: () => withExpressSession(SessionModule, cookieSession({ name: 'session', keys: [SESSION_SECRET] })),
  },
  {
    name: '@fastify/session (saveUninitialized: false)',
    cookieForAll: false,
    start: () => withFastifySession(SessionModule, { saveUninitialized: false }),
  },
  {
    name: '@fastify/session (saveUninitialized: true)',
    cookieForAll: true,
    start: () => withFastifySession(SessionModule, { saveUninitialized: true }),
  },
];

describe.each(SETUPS)('session middleware: $name', ({ start, cookieForAll }) => {
  let app: INestApplication;
  beforeEach(async () => {
    app = await start();
  });
  afterEach(() => app.close());

  it("never hands one new visitor's session secret to the next new visitor", async () => {
    const alice = await request(app.getHttpServer()).get('/s/csrf').expect(200);
    const bob = await request(app.getHttpServer()).get('/s/csrf').expect(200);
    expect(cookiesOf(alice)).not.toBe('');
    expect({ cache: bob.headers['x-cache'], hasCookie: cookiesOf(bob) !== '' }).toEqual({
      cache: 'MISS',
      hasCookie: true,
    });
    expect(bob.body.csrfToken).not.toBe(alice.body.csrfToken);
    // Each visitor's session holds the secret its own token came from.
    for (const [visitor, response] of [
      ['alice', alice],
      ['bob', bob],
    ] as const) {
      const again = await request(app.getHttpServer()).get('/s/csrf').set('Cookie', cookiesOf(response)).expect(200);
      expect({ visitor, token: again.body.csrfToken }).toEqual({ visitor, token: response.body.csrfToken });
    }
  });

  it("never lets a new visitor join another new visitor's execution in flight and take its secret", async () => {
    const visits = app.get(Visits);
    const alice = request(app.getHttpServer())
      .get('/s/slow-csrf')
      .then((r) => r);
    await until(() => visits.started === 1);
    const bob = request(app.getHttpServer())
      .get('/s/slow-csrf')
      .then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Bob joined Alice's execution rather than starting his own.
    expect(visits.started).toBe(1);
    visits.latch.open();
    const [a, b] = await Promise.all([alice, bob]);
    expect({ aliceCookie: cookiesOf(a) !== '', bobCookie: cookiesOf(b) !== '' }).toEqual({
      aliceCookie: true,
      bobCookie: true,
    });
    expect(b.body.csrfToken).not.toBe(a.body.csrfToken);
  });

  it('still stores and replays a response that left the session alone, each visitor with its own cookie', async () => {
    const first = await request(app.getHttpServer()).get('/s/public').expect(200);
    const second = await request(app.getHttpServer()).get('/s/public').expect(200);
    expect([first.headers['x-cache'], second.headers['x-cache'], second.body]).toEqual(['MISS', 'HIT', { n: 1 }]);
    if (cookieForAll) {
      // saveUninitialized: true gives each new visitor a session, and its cookie, of its own: never replayed.
      expect(cookiesOf(second)).not.toBe('');
      expect(cookiesOf(second)).not.toBe(cookiesOf(first));
    } else {
      expect([cookiesOf(first), cookiesOf(second)]).toEqual(['', '']);
    }
  });

  it('answers the visitors that joined a request whose client left before its response was written', async () => {
    const visits = app.get(Visits);
    const { port } = app.getHttpServer().address() as AddressInfo;
    const leaving = http.get({ host: '127.0.0.1', port, path: '/s/slow-csrf' });
    leaving.on('error', () => undefined);
    await until(() => visits.started === 1);
    const bob = request(app.getHttpServer())
      .get('/s/slow-csrf')
      .then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaving.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    visits.latch.open();
    const b = await bob;
    expect({ status: b.status, bobCookie: cookiesOf(b) !== '' }).toEqual({ status: 200, bobCookie: true });
    // Nothing of the departed visitor's was stored: the next new visitor gets a secret of its own.
    const carol = await request(app.getHttpServer()).get('/s/slow-csrf').expect(200);
    expect(carol.headers['x-cache']).toBe('MISS');
    expect(carol.body.csrfToken).not.toBe(b.body.csrfToken);
  });
});

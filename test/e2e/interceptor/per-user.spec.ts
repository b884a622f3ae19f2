import { Controller, Get, Headers, Param, ParseIntPipe, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { HTTP_MATRIX, type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

@Controller('me')
@UseInterceptors(CacheMemoizeInterceptor)
class AccountController {
  readonly runs = new Runs();

  @Get('feed')
  @CacheMemoize('1m')
  async feed(@Headers('authorization') auth?: string, @Headers('cookie') cookie?: string): Promise<object> {
    return { user: auth ?? cookie ?? 'anonymous', run: this.runs.count('feed') };
  }

  @Get('profile')
  @CacheMemoize({ ttl: '1m', vary: ['Authorization'] })
  async profile(@Headers('authorization') auth: string): Promise<object> {
    return { user: auth, run: this.runs.count('profile') };
  }

  @Get('greeting')
  @CacheMemoize({ ttl: '1m', vary: ['accept-language'] })
  async greeting(@Headers('accept-language') language: string): Promise<object> {
    return { greeting: language === 'fr' ? 'bonjour' : 'hello', run: this.runs.count('greeting') };
  }

  @Get('posts/:id')
  @CacheMemoize({ ttl: '1m', key: (id: number) => id })
  async post(@Param('id', ParseIntPipe) id: number): Promise<object> {
    return { id, run: this.runs.count('post') };
  }
}

describe.each(HTTP_MATRIX)(
  "CacheMemoizeInterceptor on %s with a %s cache: one user never gets another's response",
  (platform, store) => {
    let http: HttpApp;
    let runs: Runs;
    const get = (path: string, headers: Record<string, string> = {}) => request(http.server).get(path).set(headers);

    beforeEach(async () => {
      http = await startHttpApp(platform, store, { controllers: [AccountController] });
      runs = http.app.get(AccountController).runs;
    });
    afterEach(() => http.close());

    it.each([
      ['Authorization', { authorization: 'Bearer alice' }, 'Bearer alice'],
      ['Cookie', { cookie: 'session=alice' }, 'session=alice'],
    ])('passes a request carrying %s through, neither reading nor writing the cache', async (_, credentials, user) => {
      const anonymous = await get('/me/feed').expect(200);
      const personal = await get('/me/feed', credentials).expect(200);
      const again = await get('/me/feed', credentials).expect(200);
      const anonymousAgain = await get('/me/feed').expect(200);
      expect(anonymous.headers['x-cache']).toBe('MISS');
      expect(personal.headers['x-cache']).toBe('BYPASS');
      expect(personal.body).toEqual({ user, run: 2 });
      expect(again.body).toEqual({ user, run: 3 });
      expect(anonymousAgain.body).toEqual({ user: 'anonymous', run: 1 });
    });

    it('keeps one entry per user when the handler varies on Authorization', async () => {
      await get('/me/profile', { authorization: 'Bearer alice' }).expect(200);
      await get('/me/profile', { authorization: 'Bearer bob' }).expect(200);
      const alice = await get('/me/profile', { authorization: 'Bearer alice' }).expect(200);
      const bob = await get('/me/profile', { authorization: 'Bearer bob' }).expect(200);
      expect([alice.headers['x-cache'], bob.headers['x-cache']]).toEqual(['HIT', 'HIT']);
      expect(alice.body).toEqual({ user: 'Bearer alice', run: 1 });
      expect(bob.body).toEqual({ user: 'Bearer bob', run: 2 });
    });

    it('still passes through a credential the handler does not vary on', async () => {
      await get('/me/profile', { authorization: 'Bearer alice' }).expect(200);
      const withCookie = await get('/me/profile', { authorization: 'Bearer alice', cookie: 'session=mallory' }).expect(
        200,
      );
      expect(withCookie.headers['x-cache']).toBe('BYPASS');
    });

    it('keys by the values of the vary headers', async () => {
      await get('/me/greeting', { 'accept-language': 'fr' }).expect(200);
      const english = await get('/me/greeting', { 'accept-language': 'en' }).expect(200);
      const french = await get('/me/greeting', { 'accept-language': 'fr' }).expect(200);
      expect(english.body).toEqual({ greeting: 'hello', run: 2 });
      expect(french.headers['x-cache']).toBe('HIT');
      expect(french.body).toEqual({ greeting: 'bonjour', run: 1 });
      expect([english.headers.vary, french.headers.vary]).toEqual(['accept-language', 'accept-language']);
    });

    it("keys by key(...handlerArgs), the arguments after Nest's pipes, and then caches credentialed requests too", async () => {
      await get('/me/posts/7').expect(200);
      const padded = await get('/me/posts/007', { authorization: 'Bearer alice' }).expect(200);
      const other = await get('/me/posts/8').expect(200);
      expect(padded.headers['x-cache']).toBe('HIT');
      expect(padded.body).toEqual({ id: 7, run: 1 });
      expect(other.body).toEqual({ id: 8, run: 2 });
    });

    it('lets a pipe reject a keyed request as usual, without running the handler', async () => {
      await get('/me/posts/seven').expect(400);
      await get('/me/posts/seven').expect(400);
      expect(runs.of('post')).toBe(0);
    });
  },
);

import { Controller, Get, Header, Res, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { useFakeClock } from '../../fixtures/fake-clock.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import { Runs } from '../../fixtures/http/runs.js';

const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Express's response and Fastify's reply both set a header with `header(name, value)`. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

@Controller('pages')
@UseInterceptors(CacheMemoizeInterceptor)
class PagesController {
  readonly runs = new Runs();
  latch = new Latch();
  misses = 0;

  @Get('private')
  @Header('Cache-Control', 'private, no-store')
  @CacheMemoize('1m')
  async private(): Promise<object> {
    return { page: 'private', run: this.runs.count('private') };
  }

  @Get('no-cache')
  @CacheMemoize('1m')
  async noCache(@Res({ passthrough: true }) res: HeaderSetter): Promise<object> {
    res.header('Cache-Control', 'no-cache');
    return { page: 'no-cache', run: this.runs.count('no-cache') };
  }

  @Get('vary-star')
  @CacheMemoize('1m')
  async varyStar(@Res({ passthrough: true }) res: HeaderSetter): Promise<object> {
    res.header('Vary', '*');
    return { page: 'vary-star', run: this.runs.count('vary-star') };
  }

  @Get('public')
  @Header('Cache-Control', 'public, max-age=60')
  @CacheMemoize('1m')
  async public(): Promise<object> {
    return { page: 'public', run: this.runs.count('public') };
  }

  @Get('session')
  @Header('Set-Cookie', 'session=s3cr3t; HttpOnly')
  @CacheMemoize('1m')
  async session(): Promise<object> {
    return { page: 'session', run: this.runs.count('session') };
  }

  @Get('login')
  @CacheMemoize({ ttl: '1m', onMiss: ({ instance }) => (instance as PagesController).misses++ })
  async login(@Res({ passthrough: true }) res: HeaderSetter): Promise<object> {
    const run = this.runs.count('login');
    res.header('Set-Cookie', `session=visitor-${run}`);
    await this.latch.opened;
    return { page: 'login', run };
  }

  @Get('stamped')
  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async stamped(@Res({ passthrough: true }) res: HeaderSetter): Promise<object> {
    const run = this.runs.count('stamped');
    res.header('X-Build', `build-${run}`);
    return { page: 'stamped', run };
  }
}

describe.each(PLATFORMS)('CacheMemoizeInterceptor on %s: responses meant for one client', (platform) => {
  let http: HttpApp;
  let pages: PagesController;
  const get = (path: string) => request(http.server).get(path);

  beforeEach(async () => {
    http = await startHttpApp(platform, 'memory', { controllers: [PagesController] });
    pages = http.app.get(PagesController);
  });
  afterEach(() => http.close());

  it.each([
    ['Cache-Control: private, no-store (@Header)', '/pages/private', 'private'],
    ['Cache-Control: no-cache (set through the response)', '/pages/no-cache', 'no-cache'],
    ['Vary: * (set through the response)', '/pages/vary-star', 'vary-star'],
  ])('never stores a response with %s', async (_, path, page) => {
    await get(path).expect(200);
    const second = await get(path).expect(200);
    expect(second.body).toEqual({ page, run: 2 });
    expect(second.headers['x-cache']).not.toBe('HIT');
  });

  it('still stores a response with Cache-Control: public, and replays that header', async () => {
    await get('/pages/public').expect(200);
    const hit = await get('/pages/public').expect(200);
    expect([hit.headers['x-cache'], hit.body]).toEqual(['HIT', { page: 'public', run: 1 }]);
    expect(hit.headers['cache-control']).toBe('public, max-age=60');
  });

  it('never stores a response that sets a cookie, and sends the cookie once', async () => {
    const first = await get('/pages/session').expect(200);
    const second = await get('/pages/session').expect(200);
    expect(first.headers['set-cookie']).toEqual(['session=s3cr3t; HttpOnly']);
    expect(second.body).toEqual({ page: 'session', run: 2 });
    expect(second.headers['set-cookie']).toEqual(['session=s3cr3t; HttpOnly']);
  });

  it('never hands a cookie, or the body that came with it, to a concurrent request: each runs its own', async () => {
    pages.latch = new Latch();
    const first = get('/pages/login').then((r) => r);
    await until(() => pages.runs.of('login') === 1);
    const second = get('/pages/login').then((r) => r);
    // The second request joins the first's execution, then finds it personal and runs its own.
    await until(() => pages.misses === 2);
    pages.latch.open();
    const [a, b] = await Promise.all([first, second]);
    expect(a.headers['set-cookie']).toEqual(['session=visitor-1']);
    expect(b.headers['set-cookie']).toEqual(['session=visitor-2']);
    expect(b.body).toEqual({ page: 'login', run: 2 });
  });

  describe('with refreshAfter', () => {
    let clock: ReturnType<typeof useFakeClock>;
    beforeEach(() => (clock = useFakeClock()));
    afterEach(() => clock.restore());

    it('refreshes a handler that sets a header through @Res({ passthrough: true })', async () => {
      await get('/pages/stamped').expect(200);
      clock.advance(11_000);
      const due = await get('/pages/stamped').expect(200);
      expect([due.headers['x-cache'], due.body]).toEqual(['HIT', { page: 'stamped', run: 1 }]);
      await until(() => pages.runs.of('stamped') === 2);
      // The refresh ran; its result is stored as soon as it settles.
      let after = await get('/pages/stamped').expect(200);
      for (let tries = 0; after.body.run !== 2 && tries < 100; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        after = await get('/pages/stamped').expect(200);
      }
      expect([after.headers['x-cache'], after.body]).toEqual(['HIT', { page: 'stamped', run: 2 }]);
    });
  });
});

import request from 'supertest';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { type CacheMemoizeEvent, CacheMemoizeModule } from '../../../lib/index.js';
import { rawRequest } from '../../fixtures/http/compressed.js';
import type { HttpApp, Platform } from '../../fixtures/http/http-app.js';
import { ReportController, type ReportApp, secret, startReportApp } from '../../fixtures/http/query-report.js';

/**
 * Query strings as a hostile or unusual client sends them: a query after `#` (Fastify's router
 * reads it as the query; a client that does not strip fragments sends it), and credential
 * names built of two words joined by `_` or `-` (3scale's `user_key`, an `auth_code`). Neither
 * may put a credential into a key, and two queries a handler tells apart never share an entry.
 */
describe.each<Platform>(['express', 'fastify'])('unusual query strings with credentials, on %s', (platform) => {
  let app: ReportApp;
  let http: HttpApp;
  beforeEach(async () => {
    app = await startReportApp(platform);
    ({ http } = app);
  });
  afterEach(() => app.close());
  const keysHolding = (secrets: string[]) => app.keysHolding(secrets);

  /** Sent as written: supertest would cut a fragment off. */
  const raw = async (path: string) => {
    const response = await rawRequest(http.server, path);
    return { cache: response.headers['x-cache'], body: JSON.parse(response.text) as unknown };
  };

  it('holds no credential sent after a #, which Fastify reads as the query', async () => {
    const token = secret();
    const miss = await raw(`/report#access_token=${token}&page=2`);
    const expected = platform === 'fastify' ? { access_token: token, page: '2' } : {};
    expect(miss).toEqual({ cache: 'MISS', body: { query: expected } });
    expect(await raw(`/report#access_token=${token}&page=2`)).toEqual({ cache: 'HIT', body: { query: expected } });
    expect(await keysHolding([token])).toEqual([]);
  });

  it('keeps a query after # apart from the same after ?, and from another order of it', async () => {
    const fastify = platform === 'fastify';
    await raw('/report?a=1');
    // Express drops what follows #; Fastify reads it as the query.
    expect((await raw('/report#a=1')).body).toEqual({ query: fastify ? { a: '1' } : {} });
    // Fastify reads `?#a=1` as { '#a': '1' }.
    expect((await raw('/report?#a=1')).body).toEqual({ query: fastify ? { '#a': '1' } : {} });
    // Fastify reads `x?b=2&a=1` as { 'x?b': '2', a: '1' }: another order is another query.
    await raw('/report#x?b=2&a=1');
    expect((await raw('/report#x?a=1&b=2')).body).toEqual({ query: fastify ? { 'x?a': '1', b: '2' } : {} });
  });

  it.each(['user_key', 'auth_code', 'session_key', 'license-key', 'otp_code'])(
    'keys %s, a credential name of two words, by a digest',
    async (name) => {
      const token = secret();
      await request(http.server).get(`/report?${name}=${token}`).expect(200).expect('x-cache', 'MISS');
      await request(http.server).get(`/report?${name}=${token}`).expect(200).expect('x-cache', 'HIT');
      expect(await keysHolding([token])).toEqual([]);
    },
  );
});

/*
 * Fastify's `useSemicolonDelimiter: true` (off by default since Fastify 5, set at the top level
 * or in `routerOptions`) reads `/report;access_token=...` as `/report?access_token=...`: the
 * key then starts the query at `;` too. Without the option `;` belongs to the path, as on
 * Express (`/files/:name` matches `/files/a;b=1`).
 */
describe.each([
  ['at the top level', { useSemicolonDelimiter: true }],
  ['in routerOptions', { routerOptions: { useSemicolonDelimiter: true } }],
])('a query after ; on Fastify with useSemicolonDelimiter %s', (_where, options) => {
  let app: NestFastifyApplication;
  const events: CacheMemoizeEvent[] = [];

  beforeEach(async () => {
    events.length = 0;
    const moduleRef = await Test.createTestingModule({
      controllers: [ReportController],
      imports: [CacheMemoizeModule.forRoot({ onEvent: (e) => events.push(e) })],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(
      new FastifyAdapter(options as ConstructorParameters<typeof FastifyAdapter>[0]),
      {
        logger: false,
      },
    );
    await app.listen(0, '127.0.0.1');
  });
  afterEach(() => app.close());

  it('holds no credential in a key', async () => {
    const token = secret();
    const response = await rawRequest(app.getHttpServer(), `/report;access_token=${token}`);
    expect(JSON.parse(response.text)).toEqual({ query: { access_token: token } });
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((event) => event.key.includes(token))).toEqual([]);
  });

  it('keeps two tokens apart, and a query after ; apart from the same after ?', async () => {
    const bodies = [];
    for (const path of ['/report;access_token=a', '/report;access_token=b', '/report?access_token=a']) {
      const response = await rawRequest(app.getHttpServer(), path);
      bodies.push([JSON.parse(response.text), response.headers['x-cache']]);
    }
    expect(bodies).toEqual([
      [{ query: { access_token: 'a' } }, 'MISS'],
      [{ query: { access_token: 'b' } }, 'MISS'],
      [{ query: { access_token: 'a' } }, 'MISS'],
    ]);
  });
});

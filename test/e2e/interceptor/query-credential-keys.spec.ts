import request from 'supertest';
import type { CacheMemoizeEvent } from '../../../lib/index.js';
import type { HttpApp, Platform } from '../../fixtures/http/http-app.js';
import { type ReportApp, secret, startReportApp } from '../../fixtures/http/query-report.js';

/**
 * A credential sent in the query string (`?access_token=` as RFC 6750 allows, an API key, a
 * pre-signed URL's signature, an OAuth code) keys the entry like any parameter, each value its
 * own entry, but never appears in a key: keys are Redis key names, and events and logs carry them.
 */
describe.each<Platform>(['express', 'fastify'])('credentials in query strings, on %s', (platform) => {
  let app: ReportApp;
  let http: HttpApp;
  let events: CacheMemoizeEvent[];
  beforeEach(async () => {
    app = await startReportApp(platform);
    ({ http, events } = app);
  });
  afterEach(() => app.close());
  const keysHolding = (secrets: string[]) => app.keysHolding(secrets);

  const get = (query: string) => request(http.server).get(`/report?${query}`).expect(200);

  it.each([
    'access_token',
    'id_token',
    'refresh_token',
    'token',
    'api_key',
    'apiKey',
    'key',
    'password',
    'secret',
    'client_secret',
    'signature',
    'sig',
    'X-Amz-Signature',
    'X-Amz-Credential',
    'X-Amz-Security-Token',
    'code',
    'auth',
    'sessionid',
    'ACCESS_TOKEN',
  ])('keys each %s apart without the value in any key, event or Redis key name', async (name) => {
    const alice = secret();
    const bob = secret();
    for (const token of [alice, bob]) {
      const miss = await get(`${name}=${token}&page=2`);
      expect([miss.headers['x-cache'], miss.body]).toEqual(['MISS', { query: { [name]: token, page: '2' } }]);
    }
    const again = await get(`${name}=${alice}&page=2`);
    expect([again.headers['x-cache'], again.body]).toEqual(['HIT', { query: { [name]: alice, page: '2' } }]);
    // A parameter that is no credential stays readable in the key.
    expect(events.some((event) => event.key.includes('page=2'))).toBe(true);
    expect(await keysHolding([alice, bob])).toEqual([]);
  });

  it('still sorts plain names, so the same token in another order is a hit', async () => {
    const token = secret();
    await get(`token=${token}&a=1`).expect('x-cache', 'MISS');
    await get(`a=1&token=${token}`).expect('x-cache', 'HIT');
    expect(await keysHolding([token])).toEqual([]);
  });

  it('keeps repeated credentials apart in their order, and holds neither value', async () => {
    const [first, second] = [secret(), secret()];
    await get(`token=${first}&token=${second}`).expect('x-cache', 'MISS');
    await get(`token=${second}&token=${first}`).expect('x-cache', 'MISS');
    await get(`token=${first}&token=${second}`).expect('x-cache', 'HIT');
    await get(`token=${first}`).expect('x-cache', 'MISS');
    expect(await keysHolding([first, second])).toEqual([]);
  });

  it.each([
    ['an escaped name', 'access%5Ftoken'],
    ['an escaped name in another case', '%41ccess%5ftoken'],
    ['a name with +', 'access+token'],
    ['a nested name', 'user[password]'],
    ['a dotted name', 'auth.token'],
    ['a name in brackets', 'token[]'],
    ['a name with a malformed escape', 'token%'],
    ['a twice escaped name', 'access%255Ftoken'],
  ])('holds the value of %s as a digest, the query kept in its order', async (_, name) => {
    const token = secret();
    const other = secret();
    await get(`${name}=${token}&b=1`).expect('x-cache', 'MISS');
    // Not sorted: a parser may read the name as another, so the order can matter.
    await get(`b=1&${name}=${token}`).expect('x-cache', 'MISS');
    await get(`${name}=${token}&b=1`).expect('x-cache', 'HIT');
    await get(`${name}=${other}&b=1`).expect('x-cache', 'MISS');
    expect(await keysHolding([token, other])).toEqual([]);
  });

  it('does not let a digest-looking value meet the token it was made from', async () => {
    const token = secret();
    await get(`token=${token}`).expect('x-cache', 'MISS');
    const digest = events.find((event) => event.type === 'miss')!.key.match(/token=([^&"]+)/)![1];
    const forged = await get(`token=${digest}`);
    expect([forged.headers['x-cache'], forged.body]).toEqual(['MISS', { query: { token: digest } }]);
  });
});

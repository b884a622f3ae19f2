import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Headers,
  HostParam,
  Injectable,
  Req,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type Platform, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

const PLATFORMS: Platform[] = ['express', 'fastify'];

/** Authenticates by API key or token, and tells the handler nothing else: the tenant is in the header. */
@Injectable()
class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return ['x-api-key', 'x-auth-token', 'proxy-authorization', 'x-tenant-id'].some((name) => !!headers[name]);
  }
}

/** Authenticates from a header no list knows about, and says who the user is on `request.user`. */
@Injectable()
class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string>; user?: object }>();
    request.user = { id: request.headers['x-session'] };
    return !!request.headers['x-session'];
  }
}

const tenantOf = (headers: Record<string, string | undefined>) =>
  headers['x-api-key'] ?? headers['x-auth-token'] ?? headers['proxy-authorization'] ?? headers['x-tenant-id'];

@Controller('invoices')
@UseInterceptors(CacheMemoizeInterceptor)
class InvoicesController {
  readonly runs = new Runs();

  @Get()
  @UseGuards(ApiKeyGuard)
  @CacheMemoize('1m')
  async list(@Headers() headers: Record<string, string>): Promise<object> {
    return { tenant: tenantOf(headers), run: this.runs.count('list') };
  }

  @Get('by-key')
  @UseGuards(ApiKeyGuard)
  @CacheMemoize({ ttl: '1m', vary: ['X-API-Key'] })
  async byKey(@Headers('x-api-key') key: string): Promise<object> {
    return { tenant: key, run: this.runs.count('byKey') };
  }

  @Get('mine')
  @UseGuards(SessionGuard)
  @CacheMemoize('1m')
  async mine(@Req() req: { user: { id: string } }): Promise<object> {
    return { user: req.user.id, run: this.runs.count('mine') };
  }

  @Get('mine-keyed')
  @UseGuards(SessionGuard)
  @CacheMemoize({ ttl: '1m', key: (req: { user: { id: string } }) => req.user.id })
  async mineKeyed(@Req() req: { user: { id: string } }): Promise<object> {
    return { user: req.user.id, run: this.runs.count('mineKeyed') };
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

describe.each(PLATFORMS)("CacheMemoizeInterceptor on %s: one tenant never gets another's response", (platform) => {
  let http: HttpApp;
  const get = (path: string, headers: Record<string, string> = {}) => request(http.server).get(path).set(headers);

  afterEach(() => http.close());

  describe('with the default credential headers', () => {
    beforeEach(async () => {
      http = await startHttpApp(platform, 'memory', { controllers: [InvoicesController, StorefrontController] });
    });

    it.each(['X-API-Key', 'X-Auth-Token', 'Proxy-Authorization'])(
      'passes a request authenticated by %s through: tenant B never gets tenant A',
      async (header) => {
        const a = await get('/invoices', { [header]: 'tenant-a' }).expect(200);
        const b = await get('/invoices', { [header]: 'tenant-b' }).expect(200);
        expect(b.body).toEqual({ tenant: 'tenant-b', run: 2 });
        expect([a.headers['x-cache'], b.headers['x-cache']]).toEqual(['BYPASS', 'BYPASS']);
      },
    );

    it('keeps one entry per tenant when the handler varies on its credential header', async () => {
      await get('/invoices/by-key', { 'x-api-key': 'tenant-a' }).expect(200);
      const b = await get('/invoices/by-key', { 'x-api-key': 'tenant-b' }).expect(200);
      const a = await get('/invoices/by-key', { 'x-api-key': 'tenant-a' }).expect(200);
      expect(b.body).toEqual({ tenant: 'tenant-b', run: 2 });
      expect([a.headers['x-cache'], a.body]).toEqual(['HIT', { tenant: 'tenant-a', run: 1 }]);
    });

    it('treats a request whose guard set request.user as personal, whatever header authenticated it', async () => {
      await get('/invoices/mine', { 'x-session': 'alice' }).expect(200);
      const bob = await get('/invoices/mine', { 'x-session': 'bob' }).expect(200);
      expect(bob.body).toEqual({ user: 'bob', run: 2 });
      expect(bob.headers['x-cache']).toBe('BYPASS');
    });

    it('caches such requests when the handler gives a key that keeps the user', async () => {
      await get('/invoices/mine-keyed', { 'x-session': 'alice' }).expect(200);
      const bob = await get('/invoices/mine-keyed', { 'x-session': 'bob' }).expect(200);
      const alice = await get('/invoices/mine-keyed', { 'x-session': 'alice' }).expect(200);
      expect(bob.body).toEqual({ user: 'bob', run: 2 });
      expect([alice.headers['x-cache'], alice.body]).toEqual(['HIT', { user: 'alice', run: 1 }]);
    });

    it('keys by host: tenants on their own host name (@Controller({ host })) never share entries', async () => {
      await get('/catalog', { host: 'acme.shop.example' }).expect(200);
      const globex = await get('/catalog', { host: 'globex.shop.example' }).expect(200);
      const acme = await get('/catalog', { host: 'acme.shop.example:8080' }).expect(200);
      expect(globex.body).toEqual({ tenant: 'globex', run: 2 });
      expect([acme.headers['x-cache'], acme.body]).toEqual(['HIT', { tenant: 'acme', run: 1 }]);
    });

    it('keeps the case of the host, which @HostParam hands the handler as sent', async () => {
      await get('/catalog', { host: 'acme.shop.example' }).expect(200);
      const upper = await get('/catalog', { host: 'ACME.shop.example' }).expect(200);
      expect([upper.headers['x-cache'], upper.body]).toEqual(['MISS', { tenant: 'ACME', run: 2 }]);
    });
  });

  describe('with credentialHeaders in forRoot', () => {
    beforeEach(async () => {
      http = await startHttpApp(
        platform,
        'memory',
        { controllers: [InvoicesController] },
        { credentialHeaders: ['X-Tenant-Id'] },
      );
    });

    it('treats a request carrying one as personal', async () => {
      await get('/invoices', { 'x-tenant-id': 'tenant-a' }).expect(200);
      const b = await get('/invoices', { 'x-tenant-id': 'tenant-b' }).expect(200);
      expect(b.body).toEqual({ tenant: 'tenant-b', run: 2 });
      expect(b.headers['x-cache']).toBe('BYPASS');
    });

    it('adds them to the defaults, never replacing them', async () => {
      await get('/invoices', { 'x-api-key': 'tenant-a' }).expect(200);
      const b = await get('/invoices', { 'x-api-key': 'tenant-b' }).expect(200);
      expect(b.body).toEqual({ tenant: 'tenant-b', run: 2 });
    });
  });
});

import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import request from 'supertest';
import { Messages } from '../../../lib/cache-memoize.messages.js';
import { CacheMemoizeHealthIndicator } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer, waitFor } from '../../support/redis-server.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

const STORE_TIMEOUT = 200;
/** Far above storeTimeout: only a check that waits on a dead or hung Redis goes past it. */
const NO_HANG = STORE_TIMEOUT + 2_000;
/** Generous: a loaded 2-core machine may take seconds for a lease to lapse or come back. */
const STATE_WAIT = 20_000;

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cache: CacheMemoizeHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.cache.isHealthy('cache')]);
  }
}

/**
 * A real /health endpoint of @nestjs/terminus, over HTTP, while a private redis-server is
 * killed and restarted, and while the two-tier alias 'nearby' (on the shared Redis, through a
 * TCP proxy) has its subscriber connection partitioned, so it stops hearing invalidations.
 */
(requireRedisServer() ? describe : describe.skip)('CacheMemoizeHealthIndicator on a Terminus /health endpoint', () => {
  let sessions: RedisServer;
  let proxy: TcpProxy;
  let app: INestApplication;

  beforeAll(async () => {
    sessions = await RedisServer.start();
    proxy = await TcpProxy.start(6379);
    app = await createApp(
      { imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController] },
      {
        namespace: uniqueNamespace('health'),
        storeTimeout: STORE_TIMEOUT,
        caches: {
          default: { store: 'memory' },
          sessions: { store: 'redis', url: sessions.url },
          shared: { store: 'redis', url: 'redis://127.0.0.1:6379' },
          nearby: { store: 'redis', url: proxy.url, local: { lease: '1s' } },
        },
      },
    );
  });
  afterAll(async () => {
    if (proxy) proxy.subscribersPartitioned = false;
    await app?.close();
    await proxy?.stop();
    await sessions?.stop();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON body Terminus sends, read as a user would
  async function health(): Promise<{ status: number; body: Record<string, any>; ms: number }> {
    const started = performance.now();
    const response = await request(app.getHttpServer()).get('/health');
    return { status: response.status, body: response.body, ms: performance.now() - started };
  }

  it('is up when every Redis alias answers and the two-tier alias hears invalidations, and checks only the Redis aliases', async () => {
    // The two-tier alias holds its lease once its first heartbeat comes back, shortly after bootstrap.
    await waitFor(async () => (await health()).status === 200, 'a healthy start', STATE_WAIT);
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', info: { cache: { status: 'up' } } });
    expect(body.info.cache.aliases).toEqual({
      sessions: { status: 'up' },
      shared: { status: 'up' },
      nearby: { status: 'up' },
    });
  });

  it('is down, naming the alias, once its Redis is killed, and up again after it restarts', async () => {
    await sessions.kill('SIGKILL');
    const { status, body, ms } = await health();
    expect(status).toBe(503);
    expect(body.status).toBe('error');
    expect(body.error.cache).toMatchObject({
      status: 'down',
      down: ['sessions'],
      aliases: { sessions: { status: 'down' }, shared: { status: 'up' } },
    });
    expect(body.error.cache.aliases.sessions.message).toEqual(expect.any(String));
    expect(ms).toBeLessThan(NO_HANG);

    await sessions.restart();
    await waitFor(async () => (await health()).status === 200, 'the health check to recover');
  });

  it('is down within the store timeout when Redis hangs instead of dying', async () => {
    await waitFor(async () => (await health()).status === 200, 'a healthy start');
    await sessions.cli('CLIENT', 'PAUSE', '1500', 'ALL');
    const { status, body, ms } = await health();
    expect(status).toBe(503);
    expect(body.error.cache.aliases.sessions).toEqual({
      status: 'down',
      message: `no answer within ${STORE_TIMEOUT}ms`,
    });
    expect(ms).toBeLessThan(NO_HANG);
    await waitFor(async () => (await health()).status === 200, 'the pause to end');
  });

  it(
    'is down, naming the two-tier alias, while it does not hear invalidations though its Redis answers, and up once healed',
    async () => {
      await waitFor(async () => (await health()).status === 200, 'a healthy start', STATE_WAIT);
      const nearbyDown = async () => (await health()).body.error?.cache?.aliases?.nearby?.status === 'down';
      // Only the subscriber connection is cut: PING and PUBLISH still pass, the heartbeats never come back, the lease lapses.
      proxy.subscribersPartitioned = true;
      try {
        await waitFor(nearbyDown, 'the lapsed lease to show', STATE_WAIT);
        const { status, body } = await health();
        expect(status).toBe(503);
        expect(body.status).toBe('error');
        expect(body.error.cache).toEqual({
          status: 'down',
          down: ['nearby'],
          aliases: {
            sessions: { status: 'up' },
            shared: { status: 'up' },
            nearby: { status: 'down', message: Messages.notHearingInvalidations('nearby') },
          },
        });
        expect(body.error.cache.aliases.nearby.message).toContain("cache alias 'nearby' does not hear invalidations");
        // Redis itself still answers through the same proxy: the alias is down for not hearing, not for its Redis.
        const client = new Redis(proxy.url, { maxRetriesPerRequest: 0 });
        try {
          expect(await client.ping()).toBe('PONG');
        } finally {
          client.disconnect();
        }
      } finally {
        proxy.subscribersPartitioned = false;
      }

      await waitFor(async () => (await health()).status === 200, 'the lease to hold again', STATE_WAIT);
      expect((await health()).body.info.cache.aliases.nearby).toEqual({ status: 'up' });
    },
    3 * STATE_WAIT,
  );
});

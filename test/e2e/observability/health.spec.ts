import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { CacheMemoizeHealthIndicator } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer, waitFor } from '../../support/redis-server.js';

const STORE_TIMEOUT = 200;
/** Far above storeTimeout: only a check that waits on a dead or hung Redis goes past it. */
const NO_HANG = STORE_TIMEOUT + 2_000;

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

/** A real /health endpoint of @nestjs/terminus, over HTTP, while a private redis-server is killed and restarted. */
(requireRedisServer() ? describe : describe.skip)('CacheMemoizeHealthIndicator on a Terminus /health endpoint', () => {
  let sessions: RedisServer;
  let app: INestApplication;

  beforeAll(async () => {
    sessions = await RedisServer.start();
    app = await createApp(
      { imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController] },
      {
        namespace: uniqueNamespace('health'),
        storeTimeout: STORE_TIMEOUT,
        caches: {
          default: { store: 'memory' },
          sessions: { store: 'redis', url: sessions.url },
          shared: { store: 'redis', url: 'redis://127.0.0.1:6379' },
        },
      },
    );
  });
  afterAll(async () => {
    await app?.close();
    await sessions?.stop();
  });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON body Terminus sends, read as a user would
  async function health(): Promise<{ status: number; body: Record<string, any>; ms: number }> {
    const started = performance.now();
    const response = await request(app.getHttpServer()).get('/health');
    return { status: response.status, body: response.body, ms: performance.now() - started };
  }

  it('is up when every Redis alias answers, and checks only the Redis aliases', async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', info: { cache: { status: 'up' } } });
    expect(body.info.cache.aliases).toEqual({ sessions: { status: 'up' }, shared: { status: 'up' } });
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
});

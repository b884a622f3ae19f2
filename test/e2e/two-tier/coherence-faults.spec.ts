import { Redis } from 'ioredis';
import { checkCoherence, clearTruth, type CoherenceReport, type Probe } from '../../support/coherence-checker.js';
import { provideRedis, requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer } from '../../support/redis-server.js';
import { TcpProxy } from '../../support/tcp-proxy.js';
import { WorkerProcess } from '../../support/worker-process.js';

const redis = await provideRedis();
const canRun = redis !== undefined && requireRedisServer();
afterAll(() => redis?.release());

const OPERATIONS = Number(process.env.COHERENCE_OPERATIONS ?? 1_500);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const summary = (fault: string, report: CoherenceReport) =>
  `${fault}: ${report.operations} operations (${report.reads} reads, ${report.invalidations} invalidations, ` +
  `${report.failed} failed invalidations, ${report.failedReads} failed reads, ${report.localHits} local hits, ` +
  `${report.rowChanges} row changes, ${report.backgroundDrops} background drops), ` +
  `${report.violations.length} violations (${report.violations.filter((v) => v.after === 'background drop').length} ` +
  `after a background drop), seed ${report.seed}`;

/**
 * Three processes of an app with a two-tier alias on a private redis-server, checked against
 * API.md's guarantee while each fault happens in turn. Process 0 reaches Redis through a TCP
 * proxy, so it can be partitioned. The truth lives in another Redis, which no fault touches.
 */
(canRun ? describe : describe.skip)('two tiers across 3 processes, under faults', () => {
  const namespace = uniqueNamespace('coherence');
  let server: RedisServer;
  let proxy: TcpProxy;
  let truth: Redis;
  let admin: Redis;
  let workers: WorkerProcess[] = [];

  const start = (planted?: string) =>
    Promise.all(
      [proxy.url, server.url, server.url].map((url) =>
        WorkerProcess.start(
          { CACHE_REDIS_URL: url, TRUTH_URL: redis!.url, CACHE_NAMESPACE: namespace, PLANTED_BUG: planted ?? '' },
          'coherence-worker.ts',
        ),
      ),
    );
  /**
   * Three times: process 0, holding local copies of everything, is cut off from Redis for 2s;
   * meanwhile process 1 invalidates everything and every item is read on process 0. `quiet`:
   * the random operations send process 0 no invalidation while it is cut off. One that fails
   * there drops its local copies (as it must: Redis may have it all the same), which would
   * hide the planted bug of serving them without a lease.
   */
  const partition = (quiet: boolean) => async (probe: Probe) => {
    const each = async (read: (method: Probe['methods'][number], id: number) => Promise<void>) => {
      for (const method of probe.methods) for (let id = 0; id < probe.ids; id++) await read(method, id);
    };
    for (let round = 0; round < 3; round++) {
      await each((method, id) => probe.read(0, method, id));
      await each((method, id) => probe.read(0, method, id));
      probe.quiet(0, quiet);
      proxy.partitioned = true;
      const started = Date.now();
      await probe.invalidateAll(1);
      await each((method, id) => probe.read(0, method, id));
      await sleep(2_000 - (Date.now() - started));
      proxy.partitioned = false;
      probe.quiet(0, false);
      await sleep(500);
    }
  };
  const check = async (fault: string, run?: (probe: Probe) => Promise<void>) => {
    const report = await checkCoherence({ workers, truth, namespace, operations: OPERATIONS, fault: run });
    console.log(summary(fault, report));
    return report;
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    proxy = await TcpProxy.start(server.port);
    truth = new Redis(redis!.url);
    admin = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 200 });
    admin.on('error', () => undefined);
    workers = await start();
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await clearTruth(truth, namespace);
    truth.disconnect();
    admin.disconnect();
    await proxy?.stop();
    await server?.stop();
  });

  /** `drops`: whether the run must have checked background drops (see checkCoherence): a run with none proves nothing of them. */
  const expectCoherent = (report: CoherenceReport, drops = true) => {
    expect(report.violations).toEqual([]);
    expect(report.failedReads).toBe(0);
    expect(report.localHits).toBeGreaterThan(0);
    if (drops) expect(report.backgroundDrops).toBeGreaterThan(0);
  };

  it('holds with no fault', async () => {
    expectCoherent(await check('no fault'));
  }, 120_000);

  it('holds while the subscriber connections are killed (CLIENT KILL TYPE pubsub)', async () => {
    const report = await check('CLIENT KILL TYPE pubsub', async () => {
      for (let i = 0; i < 8; i++) {
        await admin.client('KILL', 'TYPE', 'pubsub').catch(() => undefined);
        await sleep(250);
      }
    });
    expectCoherent(report);
  }, 120_000);

  it('holds while one process is stopped (SIGSTOP) for 2s and resumed', async () => {
    const report = await check('SIGSTOP 2s', async () => {
      process.kill(workers[1].pid, 'SIGSTOP');
      await sleep(2_000);
      process.kill(workers[1].pid, 'SIGCONT');
    });
    expectCoherent(report);
  }, 120_000);

  it('holds while one process is partitioned from Redis for 2s, three times', async () => {
    const report = await check('partition 2s (x3)', partition(false));
    expectCoherent(report);
  }, 120_000);

  it('holds while Redis is SIGKILLed and restarted', async () => {
    const report = await check('Redis SIGKILL + restart', async () => {
      await server.kill('SIGKILL');
      await sleep(1_000);
      await server.restart();
      await sleep(1_000);
    });
    // Redis is down for most of the run, so few entries live past refreshAfter: the drops are
    // checked where there are some (0 to 7 a run), none is required.
    expectCoherent(report, false);
  }, 120_000);

  it('catches a planted bug: a process serving local copies without its lease', async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    workers = await start('ignore-lease');
    // Process 0 serves a stale copy only if it kept one before the cut, and concurrent invalidations
    // heard before it keep some reads from being kept: a run may find none (1 in about 7 in CI).
    // Up to three runs: a checker blind to the bug finds it in none.
    let violations = 0;
    for (let run = 0; run < 3 && violations === 0; run++) {
      const report = await check('planted bug (lease ignored), partition 2s (x3)', partition(true));
      violations = report.violations.length;
    }
    expect(violations).toBeGreaterThan(0);
  }, 180_000);

  /**
   * The drop of a background refresh that found its row deleted, broken two ways (see
   * test/fixtures/coherence-drops.ts): not made at all, as before refreshAfter learned it, or
   * made in Redis and in its own process only, never published to the others.
   */
  it.each([
    ['keep-outdated', 'no drop'],
    ['drop-unpublished', 'a drop other processes never hear of'],
  ])(
    'catches a planted bug: a background refresh of a deleted row with %s (%s)',
    async (planted, what) => {
      await Promise.all(workers.map((worker) => worker.stop()));
      workers = await start(planted);
      // A stale value is served only if a read of the row comes after the drop and before the next
      // background refresh of it. One run in four or so shows none, so up to six runs: a
      // sound checker never finds one, so retrying hides no false alarm.
      let violations = 0;
      for (let run = 0; run < 6 && violations === 0; run++) {
        const report = await check(`planted bug (${what}), no fault`);
        violations = report.violations.filter((violation) => violation.after === 'background drop').length;
      }
      expect(violations).toBeGreaterThan(0);
    },
    120_000,
  );
});

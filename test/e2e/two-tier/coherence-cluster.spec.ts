import { Cluster, Redis } from 'ioredis';
import { checkCoherence, clearTruth } from '../../support/coherence-checker.js';
import { provideCluster, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import type { RedisCluster } from '../../support/redis-cluster.js';
import { WorkerProcess } from '../../support/worker-process.js';

const redis = await provideRedis();
const cluster: RedisCluster | undefined = redis ? await provideCluster() : undefined;
afterAll(async () => {
  await cluster?.stop();
  await redis?.release();
});

const OPERATIONS = Number(process.env.COHERENCE_OPERATIONS ?? 1_500);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The coherence checker on a 3-master Cluster: marks and the bus channel (sharded pub/sub)
 * share one slot. Each node is killed in turn, for 2s, while the checker runs: the node of
 * the bus and the marks, and the others.
 */
(cluster ? describe : describe.skip)('two tiers across 3 processes on a Redis Cluster', () => {
  const namespace = uniqueNamespace('coherence-cluster');
  let truth: Redis;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    truth = new Redis(redis!.url);
    const env = {
      CACHE_CLUSTER: JSON.stringify(cluster!.startupNodes),
      TRUTH_URL: redis!.url,
      CACHE_NAMESPACE: namespace,
    };
    workers = await Promise.all([0, 1, 2].map(() => WorkerProcess.start(env, 'coherence-worker.ts')));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await clearTruth(truth, namespace);
    truth.disconnect();
  });

  it('holds with no fault, through sharded pub/sub on the node of the marks', async () => {
    const report = await checkCoherence({ workers, truth, namespace, operations: OPERATIONS });
    console.log(`Cluster, no fault: ${JSON.stringify({ ...report, violations: report.violations.length })}`);
    expect(report.violations).toEqual([]);
    expect(report.failedReads).toBe(0);
    expect(report.localHits).toBeGreaterThan(0);
  }, 120_000);

  it('holds while each node in turn is killed and restarted', async () => {
    const client = new Cluster(cluster!.startupNodes);
    const slot = Number(await client.call('CLUSTER', 'KEYSLOT', `{${namespace}:__marks}`));
    const owner = client.slots[slot][0];
    client.disconnect();
    for (const node of cluster!.nodes) {
      const role = owner.endsWith(`:${node.port}`) ? 'the node of the marks and the bus' : 'another node';
      const report = await checkCoherence({
        workers,
        truth,
        namespace,
        operations: OPERATIONS,
        fault: async () => {
          await node.kill('SIGKILL');
          await sleep(2_000);
          await node.restart();
          await sleep(1_000);
        },
      });
      console.log(`Cluster, ${role} killed: ${JSON.stringify({ ...report, violations: report.violations })}`);
      expect(report.violations).toEqual([]);
      expect(report.failedReads).toBe(0);
    }
  }, 300_000);
});

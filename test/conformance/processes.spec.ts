import { setTimeout as sleep } from 'node:timers/promises';
import { requireRedisServer, uniqueNamespace } from '../support/redis-harness.js';
import { RedisCluster } from '../support/redis-cluster.js';
import { RedisServer } from '../support/redis-server.js';
import { WorkerProcess } from '../support/worker-process.js';
import { ConsistencyChecker } from './support/consistency-checker.js';
import { formatReport } from './support/consistency-report.js';
import { expectConformant } from './support/known-failures.js';
import { runSeed } from './support/random.js';
import { PROCESS_OPERATIONS } from './support/settings.js';

const seed = runSeed();
const PROCESSES = 3;

/** A private Redis deployment the test may kill: the server to kill, and the workers' environment. */
interface Deployment {
  env: Record<string, string>;
  /** The server that holds the invalidation marks of `namespace`. */
  victim(namespace: string): Promise<RedisServer>;
  stop(): Promise<void>;
}

interface Target {
  name: string;
  deploy(): Promise<Deployment>;
}

const targets: Target[] = [
  {
    name: 'redis',
    async deploy() {
      const server = await RedisServer.start();
      return { env: { REDIS_URL: server.url }, victim: async () => server, stop: () => server.stop() };
    },
  },
  {
    name: '3-master Redis Cluster',
    async deploy() {
      const cluster = await RedisCluster.start();
      return {
        env: { REDIS_CLUSTER: JSON.stringify(cluster.startupNodes) },
        victim: (namespace) => ownerOf(cluster, `{${namespace}:__marks}`),
        stop: () => cluster.stop(),
      };
    },
  },
];

/** The master serving `key`'s slot. */
async function ownerOf(cluster: RedisCluster, key: string): Promise<RedisServer> {
  const slot = Number(await cluster.nodes[0].cli('CLUSTER', 'KEYSLOT', key));
  for (const node of cluster.nodes) {
    const myself = (await node.cli('CLUSTER', 'NODES')).split('\n').find((line) => line.includes('myself'));
    const ranges = myself?.split(' ').slice(8) ?? [];
    for (const range of ranges) {
      const [from, to = from] = range.split('-').map(Number);
      if (slot >= from && slot <= to) return node;
    }
  }
  return cluster.nodes[0];
}

(requireRedisServer() ? describe.each(targets) : describe.skip.each(targets))(
  'the invalidation promise across 3 processes on $name, killed and restarted mid-run',
  (target) => {
    let deployment: Deployment;
    let workers: WorkerProcess[] = [];
    const namespace = uniqueNamespace('conf-procs');

    beforeAll(async () => {
      deployment = await target.deploy();
      const env = { ...deployment.env, CACHE_NAMESPACE: namespace };
      workers = await Promise.all(
        Array.from({ length: PROCESSES }, () => WorkerProcess.start(env, 'conformance-worker.ts')),
      );
    }, 90_000);
    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await deployment?.stop();
    });

    it(`no call started after an invalidation resolved in any process gets an older value (${PROCESS_OPERATIONS} operations)`, async () => {
      const operations = PROCESS_OPERATIONS;
      const victim = await deployment.victim(namespace);
      const checker = new ConsistencyChecker({
        store: `${target.name}, ${PROCESSES} processes`,
        seed,
        operations,
        events: [
          {
            at: Math.floor(operations / 3),
            name: `SIGKILL of redis-server :${victim.port}, restarted 300 ms later`,
            run: async () => {
              await victim.kill('SIGKILL');
              await sleep(300);
              await victim.restart();
            },
          },
        ],
      });
      // The source of truth stays in this process: each worker's computation reads it here, in order.
      workers.forEach((worker, lane) => worker.answer((method, id) => checker.read(method, id, lane)));
      // The coordinator orders operations: a call is sent only after the resolutions it is checked against came back.
      const report = await checker.run({
        lanes: PROCESSES,
        call: (lane, method, id) => workers[lane].call('call', method, id),
        invalidate: (lane, invalidation) => workers[lane].call('invalidate', invalidation),
        stall: (lane, ms) => workers[lane].call('stall', ms),
      });
      process.stdout.write(`${formatReport(report)}\n`);
      expect(report.checked).toBeGreaterThan(operations / 4);
      expectConformant(report);
    }, 240_000);
  },
);

import { Cluster, Redis } from 'ioredis';
import type { Computed } from '../../fixtures/locked-backend.js';
import { dropNamespace, provideCluster, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { waitFor } from '../../support/redis-server.js';
import { WorkerProcess } from '../../support/worker-process.js';

const single = await provideRedis();
const cluster = await provideCluster();
afterAll(async () => {
  await single?.release();
  await cluster?.stop();
});

type Answer = { value: Computed } | { error: string };
const WORKERS = 4;
const CALLS = 50;
/**
 * Short, so a killed holder's lock lapses quickly, yet above the pauses of a loaded machine:
 * the holder extends it every second, and a holder paused (or a Redis unanswering) for most of
 * the ttl loses its lock to a waiter, which then runs the method too.
 */
const LOCK_TTL = '3s';
/**
 * Far above a loaded machine's slowest answer: a store call that outlasts storeTimeout runs the
 * method itself, without the cache or the lock (onStoreError: 'bypass'), which is not what is
 * tested here.
 */
const STORE_TIMEOUT = '5s';

interface Target {
  name: string;
  env(): Record<string, string>;
  client(): Redis | Cluster;
}
const targets: Target[] = [];
if (single)
  targets.push({ name: 'one Redis', env: () => ({ REDIS_URL: single.url }), client: () => new Redis(single.url) });
if (cluster)
  targets.push({
    name: 'a 3-master Redis Cluster',
    env: () => ({ REDIS_CLUSTER: JSON.stringify(cluster.startupNodes) }),
    client: () => new Cluster(cluster.startupNodes),
  });

describe.each(targets.length ? targets : [{ name: 'no Redis' } as Target])(
  'lock: distributed, 4 processes on $name',
  (target) => {
    if (!target.client) return it.skip('needs a Redis (see the message above)', () => undefined);
    const namespace = uniqueNamespace('lock');
    let workers: WorkerProcess[];
    let redis: Redis | Cluster;

    const count = async (what: string, id: number) => Number(await redis.get(`${namespace}:count:${what}:${id}`));
    const burst = (worker: WorkerProcess, method: 'slow' | 'failing', id: number, ms: number) =>
      worker.call<Answer[]>('burst', method, CALLS, id, ms);
    const valuesOf = (answers: Answer[]) => answers.map((a) => ('value' in a ? a.value : a.error));

    beforeAll(async () => {
      redis = target.client();
      const env = { ...target.env(), CACHE_NAMESPACE: namespace, LOCK_TTL, STORE_TIMEOUT };
      workers = await Promise.all(Array.from({ length: WORKERS }, () => WorkerProcess.start(env, 'lock-worker.ts')));
    }, 60_000);
    afterAll(async () => {
      await Promise.all(workers?.map((worker) => worker.stop()) ?? []);
      await dropNamespace(redis, namespace);
      await redis.quit();
    });

    it('runs a cold key once for 4 processes × 50 concurrent calls, and every caller gets that result', async () => {
      const answers = (await Promise.all(workers.map((worker) => burst(worker, 'slow', 1, 300)))).flat();

      const runs = await count('slow', 1);
      process.stdout.write(`distributed lock, cold key (${target.name}): ${runs} runs for ${answers.length} calls\n`);
      expect(answers).toHaveLength(WORKERS * CALLS);
      expect(runs).toBe(1);
      const [first] = valuesOf(answers) as Computed[];
      expect(first).toMatchObject({ id: 1, execution: 1 });
      expect(valuesOf(answers).every((value) => JSON.stringify(value) === JSON.stringify(first))).toBe(true);
      expect(await redis.exists(`${namespace}:__lock:LockedBackend.slow:1`)).toBe(0);
    });

    it('gives each process the error of its own run, one run at a time, when the method throws', async () => {
      const perWorker = await Promise.all(workers.map((worker) => burst(worker, 'failing', 1, 100)));

      const [runs, overlaps] = [await count('failing', 1), await count('overlaps', 1)];
      process.stdout.write(
        `distributed lock, failing method (${target.name}): ${runs} runs for ${WORKERS} processes, ${overlaps} overlapping\n`,
      );
      perWorker.forEach((answers, i) => {
        // Errors do not travel between processes: each one's callers get its own run's error, unchanged.
        expect(new Set(valuesOf(answers))).toEqual(new Set([`backend down (run by pid ${workers[i].pid})`]));
      });
      expect(runs).toBeLessThanOrEqual(WORKERS);
      expect(overlaps).toBe(0);
    });

    it('lets one waiter take over once a killed holder’s lock lapses: exactly one more run, no caller hangs', async () => {
      const [holder, ...waiters] = workers;
      const doomed = burst(holder, 'slow', 2, 60_000).catch((error: Error) => error);
      await waitFor(async () => (await count('slow', 2)) === 1, 'the holder to start running');

      const waiting = Promise.all(waiters.map((worker) => burst(worker, 'slow', 2, 200)));
      await holder.kill();
      const killed = performance.now();
      const answers = (await waiting).flat();
      const after = Math.round(performance.now() - killed);
      const runs = await count('slow', 2);
      process.stdout.write(
        `distributed lock, holder killed (${target.name}): ${runs} runs, answered ${after} ms after the kill\n`,
      );

      expect(await doomed).toBeInstanceOf(Error);
      expect(runs).toBe(2);
      const values = valuesOf(answers) as Computed[];
      expect(values).toHaveLength((WORKERS - 1) * CALLS);
      expect(new Set(values.map((value) => value.execution))).toEqual(new Set([2]));
      expect(new Set(values.map((value) => value.origin)).size).toBe(1);
      expect(waiters.map((worker) => `pid ${worker.pid}`)).toContain(values[0].origin);
    });
  },
);

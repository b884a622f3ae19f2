/**
 * What the chosen design costs, as built: 3 app processes with a two-tier alias on one
 * Redis (test/fixtures/coherence-worker.ts). Process 0 runs `invalidateTags` (timed inside
 * the process); process 2 is (in separate rounds) polled every millisecond from the start of each invalidation until it returns
 * the new value ("seen by another instance", IPC round trips included); and the local hit
 * rate shows the copies were served locally between invalidations.
 *   node --import @swc-node/register/esm-register bench/designs/two-tier-latency.ts [redis-url]
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { WorkerProcess } from '../../test/support/worker-process.js';

const url = process.argv[2] ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.ROUNDS ?? 300);
const namespace = `bench-two-tier-${randomUUID().slice(0, 8)}`;
const truth = new Redis(url);
const env = { CACHE_REDIS_URL: url, TRUTH_URL: url, CACHE_NAMESPACE: namespace };
const workers = await Promise.all([0, 1, 2].map(() => WorkerProcess.start(env, 'coherence-worker.ts')));
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((p / 100) * (xs.length - 1))];

// Item a:1 carries tag t1; every process holds a local copy before each round.
await new Promise((resolve) => setTimeout(resolve, 1_500));
const took: number[] = [];
const seen: number[] = [];
const warm = async () => {
  for (const worker of workers) await worker.call('read', 'a', 1);
  for (const worker of workers) await worker.call('read', 'a', 1);
};
// The invalidating call alone, nobody else busy.
for (let round = 0; round < ROUNDS; round++) {
  await warm();
  await truth.incr(`${namespace}:truth:a:1`);
  took.push(await workers[0].call<number>('timed', 'invalidateTags', ['t1']));
}
// Then: process 2 read every millisecond from the start of the invalidation until it has the new value.
for (let round = 0; round < ROUNDS; round++) {
  await warm();
  const version = await truth.incr(`${namespace}:truth:a:1`);
  const started = performance.now();
  const invalidation = workers[0].call<number>('timed', 'invalidateTags', ['t1']);
  while ((await workers[2].call<number>('read', 'a', 1)) < version) await new Promise((r) => setTimeout(r, 1));
  seen.push(performance.now() - started);
  await invalidation;
}
const hits = await Promise.all(workers.map((worker) => worker.call<number>('localHits')));
const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms`;
console.log(`invalidateTags with 3 instances: ${fmt(took)}`);
console.log(`new value seen by another instance (IPC included): ${fmt(seen)}`);
console.log(
  `local hits: ${hits.reduce((a, b) => a + b, 0)} (the second warm-up read of each process, and stale reads before resolution)`,
);
await Promise.all(workers.map((worker) => worker.stop()));
for (const key of await truth.keys(`${namespace}:truth:*`)) await truth.del(key);
truth.disconnect();

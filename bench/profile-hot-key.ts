/**
 * One hot key on a Redis alias, 64 callers at once, for a profiler:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import @swc-node/register/esm-register bench/profile-hot-key.ts [acd]
 */
import 'reflect-metadata';
import { Redis } from 'ioredis';
import { ourRedisApp } from './fixtures/two-tier.js';
import { asyncCacheDedupe } from './fixtures/redis-peers.js';
import { loadTest } from './support/measure.js';
import { PAYLOADS } from './support/payloads.js';
import { REDIS_URL, RUN_PREFIX } from './support/redis.js';

const payload = PAYLOADS[Number(process.env.P ?? 0)]!;
const compute = async () => payload.value;
const ms = Number(process.env.MS ?? 4_000);
if (process.argv[2] === 'acd') {
  const client = new Redis(REDIS_URL);
  const [name, fn, close] = asyncCacheDedupe(client, compute);
  await fn();
  const t = await loadTest(name, fn, 64, ms);
  console.log(name, Math.round(t.opsPerSec), 'ops/s', Math.round(t.medianNs / 1000), 'µs median');
  await close!();
  client.disconnect();
} else {
  const app = await ourRedisApp(compute, REDIS_URL, `${RUN_PREFIX}:prof`, false);
  await app.catalog.byId(1);
  const t = await loadTest('ours', () => app.catalog.byId(1), 64, ms);
  console.log('ours', Math.round(t.opsPerSec), 'ops/s', Math.round(t.medianNs / 1000), 'µs median');
  await app.close();
}

import { type ChildProcess, fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { InvalidationService } from '../../lib/index.js';
import { ours } from '../fixtures/memo-app.js';
import {
  BENTO_TWO_TIER,
  bentoTwoTier,
  OUR_REDIS,
  OUR_TWO_TIER,
  ourRedisApp,
  TWO_TIERS_NA,
  twoTiersBuilt,
} from '../fixtures/two-tier.js';
import { percentile, timeTasks, type Timing } from '../support/measure.js';
import { PAYLOADS } from '../support/payloads.js';
import { connectRedis, REDIS_URL, RUN_PREFIX } from '../support/redis.js';
import { formatCount, formatNs, formatRatio, type Goal, type Scenario, type Table } from '../support/report.js';

const INSTANCES = 3;
const LATENCY_CALLS = Number(process.env.BENCH_INVALIDATIONS ?? 300);
const ROUNDS = Number(process.env.BENCH_PROPAGATION_ROUNDS ?? 40);
const MEMORY = 'nestjs-cache-memoize (memory alias)';

type Kind = 'redis' | 'two-tier' | 'bento';
const NAMES: Record<Kind, string> = { redis: OUR_REDIS, 'two-tier': OUR_TWO_TIER, bento: BENTO_TWO_TIER };

/** 9. A hit on a local copy of the two-tier alias against a memory-alias hit of the same method, bentocache's beside. */
export const localHitScenario: Scenario = {
  id: 'local-hit',
  title: '9. Local hit',
  async run() {
    const { redis, reason } = await connectRedis();
    if (!redis) return { tables: [], skipped: [`Local-hit scenario skipped: ${reason}`] };
    redis.disconnect();
    const hit = await localHit(await twoTiersBuilt(REDIS_URL, `${RUN_PREFIX}:local`));
    return { tables: [hit.table], goals: [hit.goal] };
  },
};

/**
 * 10. Several instances on one Redis: how long `invalidateTags` takes with 3 instances up,
 * and how long until the other instances return the new value; bentocache's two-tier setup
 * beside it.
 */
export const instances: Scenario = {
  id: 'instances',
  title: '10. Invalidation across instances',
  async run() {
    const { redis, reason } = await connectRedis();
    if (!redis) return { tables: [], skipped: [`Instances scenario skipped: ${reason}`] };
    const goals: Goal[] = [];
    try {
      const local = await twoTiersBuilt(REDIS_URL, `${RUN_PREFIX}:inst`);
      const kinds: Kind[] = ['redis', 'two-tier', 'bento'];
      const rows: string[][] = [];
      for (const kind of kinds) {
        if (kind === 'two-tier' && !local) {
          rows.push([NAMES[kind], TWO_TIERS_NA, '–', '–', '–', '–', '–']);
          continue;
        }
        const m = await invalidationAcrossInstances(kind, redis);
        rows.push([
          NAMES[kind],
          formatNs(m.latency.p50 * 1e6),
          formatNs(m.latency.p99 * 1e6),
          formatNs(m.propagation.p50 * 1e6),
          formatNs(m.propagation.p99 * 1e6),
          formatNs(m.propagation.max * 1e6),
          String(m.early),
        ]);
        if (kind === 'two-tier')
          goals.push({
            goal: `invalidateTags with ${INSTANCES} instances and a local tier: p99 ≤ 5 ms on loopback`,
            measured: `p50 ${formatNs(m.latency.p50 * 1e6)}, p99 ${formatNs(m.latency.p99 * 1e6)}`,
            met: m.latency.p99 <= 5,
          });
      }
      if (!local)
        goals.push({
          goal: `invalidateTags with ${INSTANCES} instances and a local tier: p99 ≤ 5 ms on loopback`,
          measured: TWO_TIERS_NA,
          met: undefined,
        });
      const invalidations: Table = {
        title: `Invalidating a tag with ${INSTANCES} instances (processes) on one Redis`,
        columns: [
          '',
          'invalidation p50',
          'invalidation p99',
          'seen elsewhere p50',
          'seen elsewhere p99',
          'seen elsewhere max',
          'no sample',
        ],
        rows,
        notes: [
          `"Invalidation": how long \`invalidateTags\` (bentocache: \`deleteByTag\`) takes in one instance while the other ${INSTANCES - 1} run, over ${LATENCY_CALLS} calls. "Seen elsewhere": from the start of the invalidation until each other instance, calling the method in a loop, first returns the new value (${ROUNDS} rounds × ${INSTANCES - 1} instances; one host, each instance's clock offset measured by ping). "No sample": rounds where an instance's copy was already gone, so it saw the new value before the invalidation began.`,
          'Our aliases guarantee that once the invalidation resolved no instance returns the old value; bentocache tells the others over its bus and does not wait for them.',
        ],
      };
      return { tables: [invalidations], goals };
    } finally {
      redis.disconnect();
    }
  },
};

/** A hit on the two-tier alias's local copy against a memory-alias hit of the same method, in one process. */
async function localHit(local: boolean): Promise<{ table: Table; goal: Goal }> {
  const value = PAYLOADS[0]!.value;
  const compute = async () => value;
  const memory = await ours(compute, { caches: { default: { store: 'memory' } } }, MEMORY);
  const twoTier = local ? await ourRedisApp(compute, REDIS_URL, `${RUN_PREFIX}:local-hit`, true) : undefined;
  const bento = bentoTwoTier(REDIS_URL, compute, `${RUN_PREFIX}:local-hit-bento`);
  const tasks: Array<[string, () => unknown]> = [[MEMORY, () => memory.catalog.byId(1)]];
  if (twoTier) tasks.push([OUR_TWO_TIER, () => twoTier.catalog.byId(1)]);
  tasks.push([BENTO_TWO_TIER, () => bento.byId(1)]);
  for (const [, fn] of tasks) {
    await fn();
    await fn();
  }
  const timings = await timeTasks(tasks);
  await memory.close();
  await twoTier?.close();
  await bento.close();
  const byName = new Map(timings.map((t) => [t.name, t]));
  const mem = byName.get(MEMORY)!;
  const row = (name: string, t: Timing | undefined) =>
    t
      ? [
          name,
          formatNs(t.medianNs),
          formatNs(t.p99Ns),
          formatCount(t.opsPerSec),
          formatRatio(t.medianNs / mem.medianNs),
        ]
      : [name, TWO_TIERS_NA, '–', '–', '–'];
  const ratio = twoTier && byName.get(OUR_TWO_TIER)!.medianNs / mem.medianNs;
  return {
    table: {
      title: `Local hit, ${PAYLOADS[0]!.name}: the two-tier alias against a memory alias, same method`,
      columns: ['', 'median', 'p99', 'ops/s', '× memory alias'],
      rows: [MEMORY, OUR_TWO_TIER, BENTO_TWO_TIER].map((name) => row(name, byName.get(name))),
      notes: ['One caller, in process; bentocache with its default (serializing) L1.'],
    },
    goal: {
      goal: 'Local hit ≤ 1.2× a memory-alias hit of the same method',
      measured: ratio === undefined ? TWO_TIERS_NA : `${formatRatio(ratio)} (median)`,
      met: ratio === undefined ? undefined : ratio <= 1.2,
    },
  };
}

interface Spread {
  p50: number;
  p99: number;
  max: number;
}

/** Instance 0 here, the others in their own processes, all on one namespace; times in ms. */
async function invalidationAcrossInstances(
  kind: Kind,
  redis: Redis,
): Promise<{ latency: Spread; propagation: Spread; early: number }> {
  const namespace = `${RUN_PREFIX}:inst:${kind}`;
  const truthKey = `${namespace}:truth`;
  let version = 1;
  await redis.set(truthKey, String(version), 'PX', 600_000);
  const compute = async () => Number(await redis.get(truthKey));
  let invalidate: () => Promise<unknown>;
  let close: () => Promise<void>;
  if (kind === 'bento') {
    const bento = bentoTwoTier(REDIS_URL, compute, namespace);
    await bento.byId(1);
    invalidate = () => bento.invalidateTag();
    close = () => bento.close();
  } else {
    const us = await ourRedisApp(compute, REDIS_URL, namespace, kind === 'two-tier');
    await us.catalog.byIdTagged(1);
    const service = us.app.get(InvalidationService);
    invalidate = () => service.invalidateTags('catalog');
    close = () => us.close();
  }
  const children = await Promise.all(
    Array.from({ length: INSTANCES - 1 }, () => startInstance(kind, namespace, truthKey)),
  );
  try {
    const offsets = await Promise.all(children.map(clockOffset));
    // Invalidation latency, with every instance up (and, for two tiers, listening).
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_CALLS; i++) {
      const started = performance.now();
      await invalidate();
      latencies.push(performance.now() - started);
    }
    if (process.env.BENCH_TRACE) process.stdout.write(`${kind}: ${latencies.map((ms) => ms.toFixed(2)).join(' ')}\n`);
    // Propagation: the source of truth changes, the tag is invalidated, the others poll.
    const seen: number[] = [];
    let early = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Each instance caches the current value first. A value computed within a few ms of an
      // invalidation may carry a stamp from before it (stamps err early) and be recomputed.
      await sleep(20);
      await Promise.all(children.map((child) => ask(child, { prime: round }, (m) => m.primed === round)));
      version++;
      await redis.set(truthKey, String(version), 'PX', 600_000);
      const watchers = children.map((child, i) => watch(child, version, offsets[i]!));
      await Promise.all(watchers.map((w) => w.watching));
      const started = performance.timeOrigin + performance.now();
      await invalidate();
      for (const at of await Promise.all(watchers.map((w) => w.seen))) {
        // An instance whose copy was already gone saw the new value before the invalidation: no sample.
        if (at >= started) seen.push(at - started);
        else early++;
      }
    }
    return { latency: spread(latencies), propagation: spread(seen), early };
  } finally {
    for (const child of children) child.send({ exit: true });
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
    await close();
    await redis.del(truthKey);
  }
}

function ask(child: ChildProcess, message: object, isReply: (m: Record<string, unknown>) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!isReply(m)) return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

function startInstance(kind: Kind, namespace: string, truthKey: string): Promise<ChildProcess> {
  const child = fork(new URL('./instances.child.ts', import.meta.url), [kind, REDIS_URL, namespace, truthKey], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`instance exited with ${code} before it was ready`)));
    child.once('message', () => resolve(child));
  });
}

/**
 * How far an instance's clock (`timeOrigin + now()`, which each process fixes at its start)
 * is ahead of this one's: from the ping whose reply came back fastest, its midpoint.
 */
async function clockOffset(child: ChildProcess): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let ping = 0; ping < 30; ping++) {
    const sent = performance.timeOrigin + performance.now();
    const at = await new Promise<number>((resolve) => {
      const onMessage = (message: { pong?: number; at?: number }) => {
        if (message.pong !== ping) return;
        child.off('message', onMessage);
        resolve(message.at!);
      };
      child.on('message', onMessage);
      child.send({ ping });
    });
    const received = performance.timeOrigin + performance.now();
    if (received - sent < best.rtt) best = { rtt: received - sent, offset: at - (sent + received) / 2 };
  }
  return best.offset;
}

/** Tells an instance to poll until it sees `version`: `watching` once it has seen the old value, `seen` with when (our clock). */
function watch(
  child: ChildProcess,
  version: number,
  offset: number,
): { watching: Promise<void>; seen: Promise<number> } {
  let watching!: () => void;
  const watchingPromise = new Promise<void>((resolve) => (watching = resolve));
  const seen = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`an instance never saw version ${version}`)), 15_000);
    const onMessage = (message: { watching?: number; seen?: number; at?: number }) => {
      if (message.watching === version) watching();
      if (message.seen === version) {
        child.off('message', onMessage);
        clearTimeout(timer);
        watching();
        resolve(message.at! - offset);
      }
    };
    child.on('message', onMessage);
  });
  child.send({ watch: version });
  return { watching: watchingPromise, seen };
}

function spread(ms: number[]): Spread {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted[sorted.length - 1]! };
}

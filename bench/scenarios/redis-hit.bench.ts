import type { Redis } from 'ioredis';
import { CacheConfigError, InvalidationService } from '../../lib/index.js';
import { Catalog } from '../fixtures/catalog.service.js';
import { ResultKind } from '../../lib/stores/memo-store.interface.js';
import { entryCodec } from '../../lib/serialization/entry-codec.js';
import { ours, type OurContender } from '../fixtures/memo-app.js';
import { asyncCacheDedupe, bento, type Task } from '../fixtures/redis-peers.js';
import { loadTest, type Timing } from '../support/measure.js';
import { PAYLOADS } from '../support/payloads.js';
import { connectRedis, REDIS_URL, RUN_PREFIX } from '../support/redis.js';
import { type ChartPanel, formatRatio, type Goal, type Scenario, type Table, timingTable } from '../support/report.js';

const CONCURRENCY = 64;
const DURATION_MS = Number(process.env.BENCH_REDIS_MS ?? 2_000);
const RAW = 'raw ioredis GET + entry-codec decode';
const US = 'nestjs-cache-memoize (redis)';
const US_TAGGED = 'nestjs-cache-memoize (redis, tagged)';

/** Our Redis alias, or why it cannot run on this branch yet. */
async function ourRedis(compute: () => Promise<unknown>, namespace: string): Promise<OurContender | string> {
  try {
    return await ours(compute, { namespace, caches: { default: { store: 'redis', url: REDIS_URL } } }, US);
  } catch (error) {
    if (error instanceof CacheConfigError)
      return `our rows skipped: store 'redis' is not available here yet (${error.message})`;
    throw error;
  }
}

/** Drops the two entries the rows wrote, then closes the app (and its Redis connection). */
async function closeOurs(us: OurContender): Promise<void> {
  const invalidation = us.app.get(InvalidationService);
  await invalidation.invalidate(Catalog, 'byId', 1);
  await invalidation.invalidate(Catalog, 'byIdTagged', 1);
  await us.close();
}

/**
 * 3. Hits on Redis under load (64 callers at once): us, tagged and untagged, against a raw
 * ioredis GET of the same encoded entry, bentocache and async-cache-dedupe on the same Redis.
 */
export const redisHit: Scenario = {
  id: 'redis-hit',
  title: '3. Redis hit throughput',
  async run() {
    const { redis, reason } = await connectRedis();
    if (!redis) return { tables: [], skipped: [`Redis scenario skipped: ${reason}`] };
    const tables: Table[] = [];
    const goals: Goal[] = [];
    const chart: ChartPanel[] = [];
    const skipped = new Set<string>();
    try {
      for (const payload of PAYLOADS) {
        // Every contender computes through this, so a call that was not a hit shows up.
        let runs = 0;
        const compute = async () => {
          runs++;
          return payload.value;
        };
        const tasks: Task[] = [await rawGet(redis, payload.value)];
        // A namespace per payload: the second payload must not hit the first one's entry.
        const us = await ourRedis(compute, `${RUN_PREFIX}:${PAYLOADS.indexOf(payload)}`);
        if (typeof us === 'string') skipped.add(us);
        else
          tasks.push(
            [US, () => us.catalog.byId(1), async () => undefined],
            [US_TAGGED, () => us.catalog.byIdTagged(1), () => closeOurs(us)],
          );
        tasks.push(bento(redis, compute), asyncCacheDedupe(redis, compute));
        const timings: Timing[] = [];
        const notHits: number[] = [];
        for (const [name, fn, close] of tasks) {
          await fn(); // the first call stores the entry
          const before = runs;
          await loadTest(name, fn, CONCURRENCY, 300); // warm-up
          timings.push(await loadTest(name, fn, CONCURRENCY, DURATION_MS));
          notHits.push(runs - before);
          await close();
        }
        const title = `Redis hit, ${CONCURRENCY} concurrent callers, ${payload.name}`;
        const table = timingTable(title, timings, RAW, US, [
          'Latency is per call under load; ops/s is the total throughput of all callers. "Method runs" counts calls that were not hits (misses, or store errors bypassed).',
          'All 64 callers ask for one key. Our alias and async-cache-dedupe both send one read for many concurrent calls of it (the raw GET and bentocache do not); async-cache-dedupe joins the read in flight, we join only a read not yet sent; both decode a read once and hand its callers one value (see the hot-key scenario).',
        ]);
        table.columns.push('method runs');
        table.rows.forEach((row, i) => row.push(i === 0 ? '–' : String(notHits[i])));
        tables.push(table);
        goals.push(...redisGoals(title, timings));
        if (payload === PAYLOADS[0]) {
          const label = (name: string) =>
            name.startsWith('async-cache-dedupe')
              ? 'async-cache-dedupe (shares GETs)'
              : name.includes('tagged')
                ? `${name.split(' (')[0]} (tagged)`
                : name.split(' (')[0]!.replace(' + entry-codec decode', '');
          const bars = timings.map((t) => ({
            label: label(t.name),
            value: t.opsPerSec,
            ours: t.name.startsWith('nestjs-cache-memoize'),
          }));
          chart.push({
            title: `Redis hit, ${CONCURRENCY} callers, ${payload.name}`,
            unit: 'calls/s',
            higherIsBetter: true,
            bars,
          });
        }
      }
    } finally {
      redis.disconnect();
    }
    return { tables, goals, chart, skipped: [...skipped] };
  },
};

type BinaryCodec = { encodeBinary?: (entry: object) => Buffer; decodeBinary?: (data: Buffer | null) => unknown };

/** A GET of the entry as our store writes it (bytes when the codec has a binary form), then decoded. */
async function rawGet(redis: Redis, value: unknown): Promise<Task> {
  const key = `${RUN_PREFIX}:raw`;
  const now = Date.now();
  const entry = {
    value,
    kind: ResultKind.Value,
    created: now * 1000,
    freshUntil: now + 600_000,
    staleUntil: now + 600_000,
  };
  const { encodeBinary, decodeBinary } = entryCodec as BinaryCodec;
  if (encodeBinary && decodeBinary) {
    await redis.set(key, encodeBinary(entry), 'PX', 600_000);
    return [RAW, async () => decodeBinary(await redis.getBuffer(key)), () => redis.del(key)];
  }
  await redis.set(key, entryCodec.encode(entry), 'PX', 600_000);
  return [RAW, async () => entryCodec.decode(await redis.get(key)), () => redis.del(key)];
}

function redisGoals(title: string, timings: readonly Timing[]): Goal[] {
  const raw = timings.find((t) => t.name === RAW)!;
  const us = timings.find((t) => t.name === US);
  const tagged = timings.find((t) => t.name === US_TAGGED);
  if (!us || !tagged) {
    return [
      { goal: `${title}: ≥ 0.8× raw throughput`, measured: 'our Redis alias is not on this branch', met: undefined },
      {
        goal: `${title}: tagged ≤ 1.3× untagged latency`,
        measured: 'our Redis alias is not on this branch',
        met: undefined,
      },
    ];
  }
  const throughput = us.opsPerSec / raw.opsPerSec;
  const tagCost = tagged.medianNs / us.medianNs;
  return [
    { goal: `${title}: ≥ 0.8× raw throughput`, measured: `${formatRatio(throughput)} of raw`, met: throughput >= 0.8 },
    {
      goal: `${title}: tagged ≤ 1.3× untagged latency`,
      measured: `${formatRatio(tagCost)} (median)`,
      met: tagCost <= 1.3,
    },
  ];
}

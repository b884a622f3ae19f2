import type { Redis } from 'ioredis';
import type { WorkerProcess } from './worker-process.js';

/** A read that returned a value the guarantee forbids. */
export interface Violation {
  worker: number;
  item: string;
  got: number;
  /** The version every call started after the invalidations that had resolved must see at least. */
  required: number;
}

export interface CoherenceReport {
  operations: number;
  reads: number;
  invalidations: number;
  /** Invalidations that rejected (their store down under a fault): no guarantee is claimed for them. */
  failed: number;
  /** Reads that rejected: under onStoreError 'bypass' there should be none. */
  failedReads: number;
  /** Hits the workers answered from their local tier: a run where none was served would prove nothing. */
  localHits: number;
  violations: Violation[];
}

const METHODS = ['a', 'b'] as const;
const IDS = 8;
const ITEMS = METHODS.flatMap((method) => Array.from({ length: IDS }, (_, id) => `${method}:${id}`));

type Invalidation = { op: string; args: unknown[]; items: string[] };

/** Checked operations a fault can aim at one process (recorded and checked like the random ones). */
export interface Probe {
  read(worker: number, method: 'a' | 'b', id: number): Promise<void>;
  invalidateAll(worker: number): Promise<void>;
  /** While on, the random operations send `worker` reads only. */
  quiet(worker: number, on: boolean): void;
  readonly methods: readonly ['a', 'b'];
  readonly ids: number;
}

/** Deletes the source of truth of a run's namespace. */
export async function clearTruth(truth: Redis, namespace: string): Promise<void> {
  const keys = await truth.keys(`${namespace}:truth:*`);
  if (keys.length) await truth.del(...keys);
}

/**
 * The coherence checker of two-tier aliases: random reads and invalidations of every kind
 * (invalidate, refresh, tags, prefixes, all), several at a time, sent to random worker
 * processes (test/fixtures/coherence-worker.ts). The source of truth is a counter per item
 * in a Redis no fault touches; before invalidating, the checker bumps the counters of what
 * it invalidates. API.md's guarantee then reads: once an invalidation of an item resolved,
 * a read of it that starts later returns at least the version bumped before it.
 */
export async function checkCoherence(options: {
  workers: WorkerProcess[];
  truth: Redis;
  namespace: string;
  operations: number;
  concurrency?: number;
  /** Started when a third of the operations are done; the run ends after both. */
  fault?: (probe: Probe) => Promise<void>;
}): Promise<CoherenceReport> {
  const { workers, truth, namespace, operations } = options;
  const required = new Map<string, number>(ITEMS.map((item) => [item, 0]));
  const report: CoherenceReport = {
    operations,
    reads: 0,
    invalidations: 0,
    failed: 0,
    failedReads: 0,
    localHits: 0,
    violations: [],
  };
  const localHits = () => Promise.all(workers.map((worker) => worker.call<number>('localHits').catch(() => 0)));
  const hitsBefore = await localHits();
  let next = 0;
  let fault: Promise<void> | undefined;
  let faultOver = options.fault === undefined;
  const random = (n: number) => Math.floor(Math.random() * n);
  const quiet = new Set<number>();

  const invalidation = (): Invalidation => {
    const method = METHODS[random(2)];
    const id = random(IDS);
    const roll = random(20);
    if (roll < 5) return { op: 'invalidate', args: [method, id], items: [`${method}:${id}`] };
    if (roll < 9) return { op: 'refresh', args: [method, id], items: [`${method}:${id}`] };
    if (roll < 14) {
      const tag = random(3);
      return {
        op: 'invalidateTags',
        args: [[`t${tag}`]],
        items: ITEMS.filter((item) => Number(item.slice(2)) % 3 === tag),
      };
    }
    if (roll < 18) {
      const prefix = ['shop.a', 'shop.b', 'shop'][random(3)];
      const items = prefix === 'shop' ? ITEMS : ITEMS.filter((item) => item.startsWith(prefix.slice(-1)));
      return { op: 'invalidatePrefix', args: [prefix], items };
    }
    return { op: 'invalidateAll', args: [], items: ITEMS };
  };

  const read = async (worker: number, method = METHODS[random(2)], id = random(IDS)) => {
    const item = `${method}:${id}`;
    const floor = required.get(item)!;
    report.reads++;
    try {
      const got = await workers[worker].call<number>('read', method, id);
      if (got < floor) report.violations.push({ worker, item, got, required: floor });
    } catch {
      report.failedReads++;
    }
  };

  const invalidate = async (worker: number, change = invalidation()) => {
    report.invalidations++;
    const bumped = await Promise.all(change.items.map((item) => truth.incr(`${namespace}:truth:${item}`)));
    try {
      const result = await workers[worker].call<unknown>(change.op, ...change.args);
      if (change.op === 'refresh' && (result as number) < bumped[0])
        report.violations.push({ worker, item: change.items[0], got: result as number, required: bumped[0] });
      change.items.forEach((item, i) => required.set(item, Math.max(required.get(item)!, bumped[i])));
    } catch {
      report.failed++;
    }
  };

  const probe: Probe = {
    read: (worker, method, id) => read(worker, method, id),
    invalidateAll: (worker) => invalidate(worker, { op: 'invalidateAll', args: [], items: ITEMS }),
    quiet: (worker, on) => void (on ? quiet.add(worker) : quiet.delete(worker)),
    methods: METHODS,
    ids: IDS,
  };

  const lane = async () => {
    while (next < operations || !faultOver) {
      const index = next++;
      if (index === Math.floor(operations / 3) && options.fault)
        fault = options.fault(probe).finally(() => (faultOver = true));
      const worker = random(workers.length);
      await (random(10) < 8 || quiet.has(worker) ? read(worker) : invalidate(worker));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 6 }, lane));
  await fault;
  report.operations = report.reads + report.invalidations;
  const hitsAfter = await localHits();
  report.localHits = hitsAfter.reduce((sum, hits, i) => sum + hits - hitsBefore[i], 0);
  return report;
}

import type { Redis } from 'ioredis';
import { Random, runSeed } from '../conformance/support/random.js';
import type { WorkerProcess } from './worker-process.js';

/** A read that returned a value the guarantee forbids. */
export interface Violation {
  worker: number;
  item: string;
  got: number;
  /** The version every call started after the invalidations (and drops) that had resolved must see at least. */
  required: number;
  /** What raised the floor last: an invalidation, or a background refresh's drop. */
  after: 'invalidation' | 'background drop';
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
  /** Rows of `c` deleted or restored in the truth, invalidating nothing. */
  rowChanges: number;
  /** Background refreshes of `c` that found their row deleted and resolved their drop: none would prove nothing. */
  backgroundDrops: number;
  violations: Violation[];
  /** Replays the run's choices (not its timing): COHERENCE_SEED. */
  seed: number;
}

type Method = 'a' | 'b' | 'c';
const METHODS = ['a', 'b', 'c'] as const;
const READ_METHODS = ['a', 'b', 'c', 'c', 'c', 'c'] as const;
const IDS = 8;
const ITEMS = METHODS.flatMap((method) => Array.from({ length: IDS }, (_, id) => `${method}:${id}`));

type Invalidation = { op: string; args: unknown[]; items: string[] };

/** Checked operations a fault can aim at one process (recorded and checked like the random ones). */
export interface Probe {
  read(worker: number, method: Method, id: number): Promise<void>;
  invalidateAll(worker: number): Promise<void>;
  /** While on, the random operations send `worker` reads only. */
  quiet(worker: number, on: boolean): void;
  /** The methods a probe reads: `c`'s deleted rows, never cached, would add a store timeout per read to a partition. */
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
 *
 * Method `c` refreshes in the background (`refreshAfter`) and keeps no deleted row (`unless`).
 * Its rows are also deleted and restored in the truth with no invalidation (a bump each): a
 * value past refreshAfter, or outdated by such a change, may be served until an invalidation
 * resolves, as API.md allows. A background refresh that finds its row deleted drops the entry
 * as invalidate() does, and its process tells the checker once the drop resolved (see
 * test/fixtures/coherence-drops.ts), with the version the checker knew of the row when it sent
 * the read that started it. That read began after the bump to that version resolved, the
 * refresh after the read, the drop after the refresh: so, by invalidate()'s own guarantee, a
 * read that starts after the drop resolved, in any process, returns at least that version.
 */
export async function checkCoherence(options: {
  workers: WorkerProcess[];
  truth: Redis;
  namespace: string;
  operations: number;
  concurrency?: number;
  /** Started when a third of the operations are done; the run ends after both. */
  fault?: (probe: Probe) => Promise<void>;
  seed?: number;
}): Promise<CoherenceReport> {
  const { workers, truth, namespace, operations } = options;
  const required = new Map<string, number>(ITEMS.map((item) => [item, 0]));
  const raisedBy = new Map<string, Violation['after']>();
  /** The highest version of each item whose bump has resolved. */
  const known = new Map<string, number>(ITEMS.map((item) => [item, 0]));
  const deleted = new Set<number>();
  /** Deleted rows of `c` whose drop a process told. */
  const noticed = new Set<number>();
  const seed = options.seed ?? runSeed('COHERENCE_SEED');
  const rng = new Random(seed);
  const report: CoherenceReport = {
    operations,
    reads: 0,
    invalidations: 0,
    failed: 0,
    failedReads: 0,
    localHits: 0,
    rowChanges: 0,
    backgroundDrops: 0,
    violations: [],
    seed,
  };
  const raise = (item: string, version: number, by: Violation['after']) => {
    if (version <= required.get(item)!) return;
    required.set(item, version);
    raisedBy.set(item, by);
  };
  const bumped = (item: string, version: number) => known.set(item, Math.max(known.get(item)!, version));
  const stopHearing = workers.map((worker) =>
    worker.answer((item: string, before: number) => {
      report.backgroundDrops++;
      raise(item, before, 'background drop');
      const id = Number(item.slice(2));
      if (deleted.has(id)) noticed.add(id);
    }),
  );
  // Every row of `c` starts present: a row the last run left deleted would be believed present.
  await truth.del(...Array.from({ length: IDS }, (_, id) => `${namespace}:truth:c:${id}:deleted`));
  const localHits = () => Promise.all(workers.map((worker) => worker.call<number>('localHits').catch(() => 0)));
  const hitsBefore = await localHits();
  let next = 0;
  let fault: Promise<void> | undefined;
  let faultOver = options.fault === undefined;
  const random = (n: number) => rng.int(0, n - 1);
  const quiet = new Set<number>();

  const invalidation = (): Invalidation => {
    const method = METHODS[random(METHODS.length)];
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

  /** Two reads in three are of `c`: its background refreshes need entries read again past refreshAfter. */
  const read = async (worker: number, method: Method = READ_METHODS[random(READ_METHODS.length)], id = random(IDS)) => {
    const item = `${method}:${id}`;
    const floor = required.get(item)!;
    const after = raisedBy.get(item) ?? 'invalidation';
    report.reads++;
    try {
      const got = await workers[worker].call<number>('read', method, id, known.get(item));
      if (got < floor) report.violations.push({ worker, item, got, required: floor, after });
    } catch {
      report.failedReads++;
    }
  };

  const invalidate = async (worker: number, change = invalidation()) => {
    report.invalidations++;
    const versions = await Promise.all(change.items.map((item) => truth.incr(`${namespace}:truth:${item}`)));
    change.items.forEach((item, i) => bumped(item, versions[i]));
    try {
      const result = await workers[worker].call<unknown>(change.op, ...change.args);
      if (change.op === 'refresh' && (result as number) < versions[0]) {
        const [item, got, required] = [change.items[0], result as number, versions[0]];
        report.violations.push({ worker, item, got, required, after: 'invalidation' });
      }
      change.items.forEach((item, i) => raise(item, versions[i], 'invalidation'));
    } catch {
      report.failed++;
    }
  };

  /**
   * Deletes or restores a row of `c` in the truth, a new version, invalidating nothing. A row
   * whose drop was heard is restored first: it has served its purpose, and while deleted its
   * reads are misses, never past refreshAfter.
   */
  const changeRow = async (id = [...noticed][0] ?? random(IDS)) => {
    noticed.delete(id);
    report.rowChanges++;
    const item = `c:${id}`;
    const flag = `${namespace}:truth:${item}:deleted`;
    const restore = deleted.delete(id);
    if (!restore) deleted.add(id);
    const change = truth.multi().incr(`${namespace}:truth:${item}`);
    const [[, version]] = (await (restore ? change.del(flag) : change.set(flag, '1')).exec())!;
    bumped(item, version as number);
  };

  const probe: Probe = {
    read: (worker, method, id) => read(worker, method, id),
    invalidateAll: (worker) => invalidate(worker, { op: 'invalidateAll', args: [], items: ITEMS }),
    quiet: (worker, on) => void (on ? quiet.add(worker) : quiet.delete(worker)),
    methods: ['a', 'b'],
    ids: IDS,
  };

  const lane = async () => {
    while (next < operations || !faultOver) {
      const index = next++;
      if (index === Math.floor(operations / 3) && options.fault)
        fault = options.fault(probe).finally(() => (faultOver = true));
      const worker = random(workers.length);
      const roll = random(8);
      await (roll < 6 || quiet.has(worker) ? read(worker) : roll < 7 ? changeRow() : invalidate(worker));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 6 }, lane));
  await fault;
  stopHearing.forEach((stop) => stop());
  report.operations = report.reads + report.invalidations + report.rowChanges;
  const hitsAfter = await localHits();
  report.localHits = hitsAfter.reduce((sum, hits, i) => sum + hits - hitsBefore[i], 0);
  return report;
}

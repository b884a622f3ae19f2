import { setTimeout as sleep } from 'node:timers/promises';
import type { MemoStore } from '../../lib/stores/memo-store.interface.js';
import { watchBackgroundRefreshes } from './support/background-refreshes.js';
import type { CheckerOptions } from './support/checker-options.js';
import { ConsistencyChecker } from './support/consistency-checker.js';
import { type CheckerReport, formatReport } from './support/consistency-report.js';
import { type ConformanceApp, startConformanceApp } from './support/conformance-app.js';
import { expectConformant } from './support/known-failures.js';
import { ExpiredRefreshKept, skipBackgroundDrops, StampedAtStoreTime } from './support/planted-bugs.js';
import { Random, runSeed } from './support/random.js';
import { FAULT_OPERATIONS, NARROW_OPERATIONS, OPERATIONS } from './support/settings.js';
import { stallEventLoop } from './support/stall.js';
import { CONFORMANCE_STORES, type OpenedStore } from './support/stores.js';

const seed = runSeed();
process.stdout.write(`conformance seed ${seed} (set CONFORMANCE_SEED=${seed} to replay)\n`);

describe.each(CONFORMANCE_STORES)('the invalidation promise under concurrency, on $name', (candidate) => {
  let store: OpenedStore | undefined;
  let conformance: ConformanceApp | undefined;

  beforeAll(async () => {
    store = await candidate.open();
  }, 60_000);
  afterAll(() => store?.close());
  afterEach(async () => {
    await conformance?.close();
    conformance = undefined;
  });

  async function check(
    options: Omit<CheckerOptions, 'store' | 'seed'>,
    setup?: { plant?: (store: MemoStore) => MemoStore; faults?: boolean },
  ): Promise<CheckerReport> {
    const checker = new ConsistencyChecker({ store: candidate.name, seed, ...options });
    conformance = await startConformanceApp(store!, { source: checker.source, seed, plant: setup?.plant });
    const { ops, faults, app, namespace } = conformance;
    // A background refresh whose drop the store failed leaves the entry (it is reported): only without faults is it checked.
    if (!setup?.faults) watchBackgroundRefreshes(app, (reading) => checker.backgroundRefreshed(reading));
    let evicting = Promise.resolve();
    if (setup?.faults) {
      faults.plan = { throwBefore: 0.01, throwAfter: 0.01, delay: 0.05, delayMs: [1, 30], stall: 0.002 };
      // Soon after some invalidations, half the keys the store keeps (marks, tombstones, entries) go.
      const evictions = new Random(seed + 3);
      checker.afterInvalidation = () => {
        if (!evictions.chance(store!.shared ? 0.1 : 0.02)) return;
        const delay = evictions.int(0, 20);
        evicting = evicting
          .then(() => sleep(delay))
          .then(() => store!.evict(app, namespace, () => evictions.chance(0.5)))
          .then(() => undefined);
      };
    }
    const report = await checker.run({
      lanes: 1,
      call: (_lane, method, id) => ops.call(method, id),
      invalidate: (_lane, invalidation) => ops.invalidate(invalidation),
      stall: async (_lane, ms) => stallEventLoop(ms),
    });
    await evicting;
    process.stdout.write(`${formatReport(report)}\n`);
    if (setup?.faults) process.stdout.write(`  faults injected: ${JSON.stringify(faults.injected)}\n`);
    return report;
  }

  it(`no call that starts after an invalidation resolved gets a value computed before it (${OPERATIONS} operations)`, async () => {
    if (!store) return;
    const report = await check({ operations: OPERATIONS });
    expect(report.checked).toBeGreaterThan(OPERATIONS / 4);
    // Refreshes whose result is not stored (a deleted row, a 1 ms ttl) must drop the value they replaced.
    expect(report.notKept.refreshes).toBeGreaterThan(0);
    expectConformant(report);
  }, 240_000);

  it(`holds for refreshes whose result is not stored, with invalidate() and refresh() alone (${NARROW_OPERATIONS} operations)`, async () => {
    if (!store) return;
    // Tags, prefixes and the alias void most entries before anything replaces them: alone, the
    // two keep keys holding values, so a refresh that stores nothing must drop a real one.
    // Entries also live long enough to be due (refreshAfter): their background refreshes that store
    // nothing must drop them too.
    const report = await check({ operations: NARROW_OPERATIONS, kinds: ['invalidate', 'refresh'] });
    expect(report.notKept.refreshes).toBeGreaterThan(0);
    expect(report.notKept.background).toBeGreaterThan(0);
    expectConformant(report);
  }, 120_000);

  it(`holds while the store throws, is slow and loses keys (${FAULT_OPERATIONS} operations)`, async () => {
    if (!store) return;
    const report = await check({ operations: FAULT_OPERATIONS }, { faults: true });
    expect(report.checked).toBeGreaterThan(FAULT_OPERATIONS / 4);
    expectConformant(report, true);
  }, 240_000);

  it('catches a planted bug: entries stamped when stored rather than when their computation began', async () => {
    if (!store) return;
    // invalidate() and refresh() alone, which every store passes without the bug.
    const options = { operations: 1_000, kinds: ['invalidate', 'refresh'] as const, stallChance: 0 };
    const planted = await check(options, { plant: (real) => new StampedAtStoreTime(real) });
    expect(planted.violations.length).toBeGreaterThan(0);
  }, 120_000);

  it('catches a planted bug: a refresh whose entry expired before it was stored leaves the old value', async () => {
    if (!store) return;
    // Half of Inventory.stock's readings ask for 1 ms: enough refreshes of a cached key arrive expired.
    const options = {
      operations: 2_000,
      kinds: ['invalidate', 'refresh'] as const,
      stallChance: 0,
      shortTtlChance: 0.5,
    };
    const planted = await check(options, { plant: (real) => new ExpiredRefreshKept(real) });
    expect(planted.violations.filter((v) => v.floor?.kind === 'refresh').length).toBeGreaterThan(0);
  }, 120_000);

  it('catches a planted bug: a background refresh whose result is not stored leaves the old value', async () => {
    if (!store) return;
    // invalidate() and refresh() alone leave Inventory.stock's entries in place long enough to be
    // due; rows are deleted more often, behind invalidations of the row's other methods.
    const options = { operations: 2_000, kinds: ['invalidate', 'refresh'] as const, stallChance: 0, deleteChance: 0.3 };
    const restore = skipBackgroundDrops();
    try {
      const planted = await check(options);
      expect(planted.violations.filter((v) => v.floor?.kind === 'refreshAfter').length).toBeGreaterThan(0);
    } finally {
      restore();
    }
  }, 120_000);
});

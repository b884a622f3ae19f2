import { ours } from '../fixtures/memo-app.js';
import { type Contender, floor, MEMORY_PEERS } from '../fixtures/memory-peers.js';
import { type BenchFn, timeTasks, type Timing } from '../support/measure.js';
import { PAYLOADS } from '../support/payloads.js';
import { type ChartPanel, formatRatio, type Goal, type Scenario, type Table, timingTable } from '../support/report.js';

const GOAL_RATIO = 1.5;
const FLOOR_WITH_CLOCK = 'floor + Date.now() (an expiry check)';

/**
 * 1. A cache hit in memory, with one primitive argument and with an object argument:
 * us against the floor (an async function returning Map.get) and each peer.
 */
export const memoryHit: Scenario = {
  id: 'memory-hit',
  title: '1. Memory hit',
  async run() {
    const tables: Table[] = [];
    const goals: Goal[] = [];
    const chart: ChartPanel[] = [];
    for (const payload of PAYLOADS) {
      const compute = async () => payload.value;
      const base = floor(compute);
      const us = await ours(compute);
      const cloning = await ours(
        compute,
        { caches: { default: { store: 'memory', clone: true } } },
        'nestjs-cache-memoize (memory, clone: true)',
      );
      const peers: Contender[] = MEMORY_PEERS.map((create) => create(compute));
      const all = [base, us, ...peers];
      for (const c of [...all, cloning]) {
        await c.byId(1);
        await c.search({ term: 'kettle', page: 1 });
      }
      const { catalog } = us;
      // What reading the clock adds to the floor: the one thing a hit with a ttl cannot skip.
      const clocked = new Map([[1, payload.value]]);
      const floorWithClock = async (id: number) => (Date.now() > 0 ? clocked.get(id) : undefined);
      const primitive = await timeTasks([
        [base.name, () => base.byId(1)],
        [FLOOR_WITH_CLOCK, () => floorWithClock(1)],
        [us.name, () => catalog.byId(1)],
        ...peers.map((c): [string, BenchFn] => [c.name, () => c.byId(1)]),
        [cloning.name, () => cloning.catalog.byId(1)],
      ]);
      const object = await timeTasks([
        [base.name, () => base.search({ term: 'kettle', page: 1 })],
        [us.name, () => catalog.search({ term: 'kettle', page: 1 })],
        ...peers.map((c): [string, BenchFn] => [c.name, () => c.search({ term: 'kettle', page: 1 })]),
      ]);
      for (const c of [...all, cloning]) await c.close();

      for (const [arg, timings] of [
        ['primitive argument', primitive],
        ['object argument', object],
      ] as const) {
        const title = `Hit, ${arg}, ${payload.name}`;
        tables.push(timingTable(title, timings, base.name, us.name));
        goals.push(...hitGoals(title, timings, base.name, us.name));
        if (payload === PAYLOADS[0]) chart.push(panel(`Memory hit, ${arg}`, timings, us.name));
      }
    }
    return { tables, goals, chart };
  },
};

function hitGoals(title: string, timings: readonly Timing[], floorName: string, usName: string): Goal[] {
  const us = timings.find((t) => t.name === usName)!;
  const base = timings.find((t) => t.name === floorName)!;
  const peers = timings.filter((t) => t !== us && !t.name.startsWith('floor') && !t.name.includes('clone'));
  const fastestPeer = peers.reduce((a, b) => (a.medianNs <= b.medianNs ? a : b));
  const ratio = us.medianNs / base.medianNs;
  return [
    {
      goal: `${title}: ≤ ${GOAL_RATIO}× the floor`,
      measured: `${formatRatio(ratio)} (${Math.round(us.medianNs)} vs ${Math.round(base.medianNs)} ns)`,
      met: ratio <= GOAL_RATIO,
    },
    {
      goal: `${title}: faster than every peer`,
      measured: `fastest peer ${fastestPeer.name.split(' (')[0]} at ${formatRatio(fastestPeer.medianNs / us.medianNs)} our median`,
      met: us.medianNs < fastestPeer.medianNs,
    },
  ];
}

function panel(title: string, timings: readonly Timing[], usName: string): ChartPanel {
  const ourName = usName.split(' (')[0]!;
  return {
    title,
    unit: 'median ns',
    bars: timings.map((t) => ({
      label: t.name.split(' (')[0]! + (t.name.includes('clone') ? ' (clone: true)' : ''),
      value: t.medianNs,
      ours: t.name.startsWith(ourName),
    })),
  };
}

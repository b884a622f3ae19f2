import { runChild } from '../support/child.js';
import { formatBytes, formatRatio, type Goal, type Scenario, type Table } from '../support/report.js';

const ENTRIES = 100_000;
const GOAL_RATIO = 1.5;
const VARIANTS = [
  ['distinct', 'its own copy of the 1 KB object'],
  ['shared', 'the same 100-object list (per-entry overhead only)'],
] as const;

const measure = (subject: string, variant: string) =>
  runChild<{ bytes: number }>(
    new URL('./heap.child.ts', import.meta.url),
    [subject, variant, String(ENTRIES)],
    ['--expose-gc'],
  ).then((r) => r.bytes);

/** 7. Heap held by 100k cached entries, us against lru-cache holding the same values. */
export const heap: Scenario = {
  id: 'heap',
  title: '7. Memory',
  async run() {
    const tables: Table[] = [];
    const goals: Goal[] = [];
    for (const [variant, description] of VARIANTS) {
      // Each figure comes from its own process, so nothing else lives in the heap measured.
      const values = variant === 'shared' ? 0 : await measure('values', variant);
      const lru = await measure('lru-cache', variant);
      const us = await measure('ours', variant);
      const perEntry = (bytes: number) => formatBytes((bytes - values) / ENTRIES);
      tables.push({
        title: `Heap for ${ENTRIES.toLocaleString('en-US')} entries, each holding ${description}`,
        columns: ['', 'heap used', 'per entry, beyond the value', '× lru-cache'],
        rows: [
          ...(variant === 'shared' ? [] : [['the values alone', formatBytes(values), '–', '–']]),
          ['lru-cache 11 (set by hand)', formatBytes(lru), perEntry(lru), formatRatio(1)],
          ['nestjs-cache-memoize (memory)', formatBytes(us), perEntry(us), formatRatio(us / lru)],
        ],
        notes:
          variant === 'shared'
            ? [
                'Beyond lru-cache, each entry is one StoredEntry: 7 fields, two of them epoch-ms doubles V8 boxes (about 112 B).',
              ]
            : undefined,
      });
      // The goal is about the values users cache; the shared run only isolates overhead.
      if (variant === 'distinct') {
        goals.push({
          goal: `Memory, ${ENTRIES / 1000}k entries holding distinct 1 KB objects: ≤ ${GOAL_RATIO}× lru-cache`,
          measured: `${formatRatio(us / lru)} (${formatBytes(us)} vs ${formatBytes(lru)})`,
          met: us / lru <= GOAL_RATIO,
        });
      }
    }
    return { tables, goals };
  },
};

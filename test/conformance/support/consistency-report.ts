import { type FloorKind, INVALIDATION_KINDS, type InvalidationKind, type Reading } from './model.js';

/** What the checker found in a run (see ConsistencyChecker), and formatReport to print it. */

export interface Violation {
  what: 'stale value' | 'stale refresh' | 'wrong value';
  call: string;
  lane: number;
  started: number;
  got: Reading;
  floor?: { by: string; kind: FloorKind; issued: number; resolved: number; lane: number };
}

export interface CheckerReport {
  store: string;
  seed: number;
  operations: number;
  calls: number;
  /** Calls that started after some invalidation covering their key had resolved, so the rule applied. */
  checked: number;
  /**
   * Calls, resolved refreshes and landed `refreshAfter` recomputes in the background whose result
   * the cache keeps not at all (a deleted row) or for 1 ms: see isKept.
   */
  notKept: { calls: number; refreshes: number; background: number };
  invalidations: Record<InvalidationKind, { resolved: number; rejected: number }>;
  stalls: number;
  callErrors: string[];
  violations: Violation[];
  events: string[];
  ms: number;
}

/** The report as a few lines: the numbers, the first violations, and how to replay the run. */
export function formatReport(report: CheckerReport): string {
  const kinds = INVALIDATION_KINDS.map((kind) => {
    const { resolved, rejected } = report.invalidations[kind];
    return `${kind} ${resolved}${rejected ? ` (+${rejected} rejected)` : ''}`;
  }).join(', ');
  const byKind = new Map<string, number>();
  for (const v of report.violations) {
    const key = v.floor ? `after ${v.floor.kind}` : v.what;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
  }
  const lines = [
    `conformance [${report.store}] seed ${report.seed}: ${report.operations} operations in ${report.ms} ms, ` +
      `${report.calls} calls (${report.checked} checked against an earlier invalidation), ${report.stalls} stalls; ` +
      `results not kept: ${report.notKept.calls} calls, ${report.notKept.refreshes} refreshes, ` +
      `${report.notKept.background} background refreshes; ` +
      `invalidations: ${kinds}`,
    `  violations: ${report.violations.length}` +
      (byKind.size ? ` (${[...byKind].map(([k, n]) => `${n} ${k}`).join(', ')})` : '') +
      `; call errors: ${report.callErrors.length}`,
  ];
  if (report.events.length) lines.push(`  events: ${report.events.join('; ')}`);
  for (const v of report.violations.slice(0, 5)) {
    const { got, floor } = v;
    lines.push(
      `  ${v.what}: ${v.call} started at #${v.started} on lane ${v.lane} got version ${got?.version}${got?.deleted ? ' (deleted row)' : ''}${got?.ttlMs ? ` (ttl ${got.ttlMs} ms)` : ''} computed at #${got?.seq} on lane ${got?.lane}` +
        (floor
          ? `, but ${floor.by} was made at #${floor.issued} and resolved at #${floor.resolved} (lane ${floor.lane})`
          : ''),
    );
  }
  for (const error of report.callErrors.slice(0, 3)) lines.push(`  call error: ${error}`);
  lines.push(`  replay: CONFORMANCE_SEED=${report.seed}`);
  return lines.join('\n');
}

import { setTimeout as sleep } from 'node:timers/promises';
import {
  covers,
  describeInvalidation,
  INVALIDATION_KINDS,
  type Invalidation,
  isKept,
  type InvalidationKind,
  METHODS,
  type MethodId,
  randomInvalidation,
  type Reading,
  ROWS,
  rowsWrittenBefore,
  SHORT_TTL_MS,
} from './model.js';
import { Random } from './random.js';
import type { Source } from './services.js';
import { EventSequence, VersionedDatabase } from './source-of-truth.js';
import { stallEventLoop } from './stall.js';

/** Where the checker's operations go: one application in this process, or worker processes ("lanes"). */
export interface CheckerTarget {
  readonly lanes: number;
  call(lane: number, method: MethodId, id: number): Promise<Reading>;
  invalidate(lane: number, invalidation: Invalidation): Promise<Reading | undefined>;
  /** Blocks the lane's event loop for `ms`. */
  stall(lane: number, ms: number): Promise<void>;
}

/** How a computation behaves once it has read its row: a delay, and now and then a blocked event loop. */
export interface ComputationPlan {
  reading: Reading;
  delayMs: number;
  stallMs: number;
}

/** Something that happens once, when the run reaches operation `at` (e.g. killing Redis). */
export interface RunEvent {
  at: number;
  name: string;
  run(): Promise<void>;
}

export interface CheckerOptions {
  /** Names the store in the report. */
  store: string;
  seed: number;
  operations: number;
  /** Concurrent callers, each making one operation at a time. */
  callers?: number;
  /** Invalidation kinds to make; all five by default. */
  kinds?: readonly InvalidationKind[];
  /** Share of operations that are invalidations. */
  invalidationShare?: number;
  /** Chance that an operation is a stall of a lane's event loop. */
  stallChance?: number;
  /** Chance that a computation blocks its event loop after reading its row. */
  computationStallChance?: number;
  stallMs?: readonly [number, number];
  /** How long a computation takes after reading its row. */
  delayMs?: readonly [number, number];
  /** Chance that a write before an invalidation deletes a row (or, for a deleted row, twice that it restores it). */
  deleteChance?: number;
  /** Chance that an Inventory.stock reading asks for a 1 ms ttl. */
  shortTtlChance?: number;
  /** Chance that invalidate() or refresh() of a key is made as read, write, invalidate, read again. */
  readAroundChance?: number;
  events?: readonly RunEvent[];
}

/** The invalidation that a call had to respect: the latest-issued one covering its key that had resolved before it started. */
interface Floor {
  issued: number;
  resolved: number;
  lane: number;
  invalidation: Invalidation;
}

export interface Violation {
  what: 'stale value' | 'stale refresh' | 'wrong value';
  call: string;
  lane: number;
  started: number;
  got: Reading;
  floor?: { by: string; kind: InvalidationKind; issued: number; resolved: number; lane: number };
}

export interface CheckerReport {
  store: string;
  seed: number;
  operations: number;
  calls: number;
  /** Calls that started after some invalidation covering their key had resolved, so the rule applied. */
  checked: number;
  /** Calls and resolved refreshes whose result the cache keeps not at all (a deleted row) or for 1 ms: see isKept. */
  notKept: { calls: number; refreshes: number };
  invalidations: Record<InvalidationKind, { resolved: number; rejected: number }>;
  stalls: number;
  callErrors: string[];
  violations: Violation[];
  events: string[];
  ms: number;
}

/**
 * The randomized concurrency checker. Many callers make calls and invalidations of every
 * kind at once, with random computation delays and blocked event loops, against a versioned
 * source of truth whose reads carry their position in one sequence of events. It checks the
 * promise of API.md's "Invalidation": a call that starts after an invalidation resolved
 * never gets a value whose computation began before that invalidation was made. A refresh
 * must also return a value computed after it was asked for, and a call must get its own
 * key's value.
 */
export class ConsistencyChecker {
  readonly sequence = new EventSequence();
  readonly database = new VersionedDatabase(this.sequence);
  /** Separate streams, so the operations a seed chooses do not depend on how computations interleave. */
  private readonly choices: Random;
  private readonly computations: Random;
  private readonly floors = new Map<string, Floor>();
  private readonly report: CheckerReport;
  private next = 0;
  /** Told of every invalidation that resolved, e.g. to evict what it wrote. */
  afterInvalidation: ((invalidation: Invalidation) => void) | undefined;

  constructor(private readonly options: CheckerOptions) {
    this.choices = new Random(options.seed);
    this.computations = new Random(options.seed + 1);
    const invalidations = Object.fromEntries(INVALIDATION_KINDS.map((k) => [k, { resolved: 0, rejected: 0 }]));
    this.report = {
      store: options.store,
      seed: options.seed,
      operations: 0,
      calls: 0,
      checked: 0,
      notKept: { calls: 0, refreshes: 0 },
      invalidations: invalidations as CheckerReport['invalidations'],
      stalls: 0,
      callErrors: [],
      violations: [],
      events: [],
      ms: 0,
    };
  }

  /** What a memoized method reads: answered here, in the coordinator, so every read has its place in the sequence. */
  read(method: MethodId, id: number, lane = 0): ComputationPlan {
    const [min, max] = this.options.delayMs ?? [0, 15];
    const [stallMin, stallMax] = this.options.stallMs ?? [50, 300];
    const stalls = this.computations.chance(this.options.computationStallChance ?? 0.001);
    const reading = this.database.read(method, id, lane);
    if (method === 'Inventory.stock' && this.computations.chance(this.options.shortTtlChance ?? 0.2))
      reading.ttlMs = SHORT_TTL_MS;
    return {
      reading,
      delayMs: this.computations.int(min, max),
      stallMs: stalls ? this.computations.int(stallMin, stallMax) : 0,
    };
  }

  /** The source of truth for methods running in this process. */
  get source(): Source {
    return {
      read: async (method, id) => {
        const plan = this.read(method, id);
        if (plan.stallMs > 0) stallEventLoop(plan.stallMs);
        if (plan.delayMs > 0) await sleep(plan.delayMs);
        return plan.reading;
      },
    };
  }

  async run(target: CheckerTarget): Promise<CheckerReport> {
    const started = performance.now();
    const callers = this.options.callers ?? 32;
    await Promise.all(Array.from({ length: callers }, () => this.caller(target)));
    this.report.ms = Math.round(performance.now() - started);
    return this.report;
  }

  private async caller(target: CheckerTarget): Promise<void> {
    const { operations, events = [] } = this.options;
    while (this.next < operations) {
      const index = this.next++;
      this.report.operations++;
      const event = events.find((e) => e.at === index);
      if (event) {
        this.report.events.push(`${event.name} at operation ${index}`);
        await event.run();
      }
      const lane = this.choices.int(0, target.lanes - 1);
      if (this.choices.chance(this.options.stallChance ?? 0.0015)) {
        const [min, max] = this.options.stallMs ?? [50, 300];
        this.report.stalls++;
        await target.stall(lane, this.choices.int(min, max));
      } else if (this.choices.chance(this.options.invalidationShare ?? 0.25)) {
        await this.invalidate(target, lane);
      } else {
        await this.call(target, lane, this.choices.pick(METHODS), this.choices.int(0, ROWS - 1));
      }
    }
  }

  private async call(target: CheckerTarget, lane: number, method: MethodId, id: number): Promise<void> {
    const floor = this.floors.get(cell(method, id));
    const started = this.sequence.next();
    let got: Reading;
    try {
      got = await target.call(lane, method, id);
    } catch (error) {
      this.report.callErrors.push(`${method}(${id}) on lane ${lane}: ${String(error)}`);
      return;
    }
    this.report.calls++;
    const call = `${method}(${id})`;
    if (got?.method !== method || got.id !== id) {
      this.report.violations.push({ what: 'wrong value', call, lane, started, got });
      return;
    }
    if (!isKept(got)) this.report.notKept.calls++;
    if (floor === undefined) return;
    this.report.checked++;
    if (got.seq < floor.issued) {
      const { invalidation, issued, resolved, lane: by } = floor;
      this.report.violations.push({
        what: 'stale value',
        call,
        lane,
        started,
        got,
        floor: { by: describeInvalidation(invalidation), kind: invalidation.kind, issued, resolved, lane: by },
      });
    }
  }

  private async invalidate(target: CheckerTarget, lane: number): Promise<void> {
    const kind = this.choices.pick(this.options.kinds ?? INVALIDATION_KINDS);
    const invalidation = randomInvalidation(kind, this.choices);
    // Now and then as an application edits a row: read it (so the key likely holds a value),
    // write, invalidate, read it again. The second read is the one the promise is about, and
    // it comes at once, before another invalidation empties the key by chance.
    const around =
      (invalidation.kind === 'invalidate' || invalidation.kind === 'refresh') &&
      this.choices.chance(this.options.readAroundChance ?? 0.5)
        ? invalidation
        : undefined;
    if (around) await this.call(target, lane, around.method, around.id);
    // As an application would: write the source of truth (now and then deleting or restoring
    // a row), then invalidate what read it.
    const deleteChance = this.options.deleteChance ?? 0.15;
    for (const row of rowsWrittenBefore(invalidation, this.choices)) {
      const deleted = this.database.isDeleted(row);
      if (this.choices.chance(deleted ? 2 * deleteChance : deleteChance)) this.database.toggleDeleted(row);
      else this.database.write(row);
    }
    const issued = this.sequence.next();
    let refreshed: Reading | undefined;
    try {
      refreshed = await target.invalidate(lane, invalidation);
    } catch {
      this.report.invalidations[kind].rejected++; // it did not take effect, so it promises nothing
      return;
    }
    const resolved = this.sequence.next();
    this.report.invalidations[kind].resolved++;
    for (const method of METHODS) {
      for (let id = 0; id < ROWS; id++) {
        if (!covers(invalidation, method, id)) continue;
        const known = this.floors.get(cell(method, id));
        if (known === undefined || known.issued < issued)
          this.floors.set(cell(method, id), { issued, resolved, lane, invalidation });
      }
    }
    if (invalidation.kind === 'refresh' && refreshed !== undefined && !isKept(refreshed))
      this.report.notKept.refreshes++;
    if (invalidation.kind === 'refresh' && !(refreshed !== undefined && refreshed.seq > issued)) {
      this.report.violations.push({
        what: 'stale refresh',
        call: describeInvalidation(invalidation),
        lane,
        started: issued,
        got: refreshed!,
      });
    }
    this.afterInvalidation?.(invalidation);
    if (around) await this.call(target, this.choices.int(0, target.lanes - 1), around.method, around.id);
  }
}

function cell(method: MethodId, id: number): string {
  return `${method}:${id}`;
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
      `results not kept: ${report.notKept.calls} calls, ${report.notKept.refreshes} refreshes; ` +
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

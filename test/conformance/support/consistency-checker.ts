import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckerOptions, CheckerTarget, ComputationPlan } from './checker-options.js';
import type { CheckerReport } from './consistency-report.js';
import {
  type BackgroundRefresh,
  covers,
  describeInvalidation,
  INVALIDATION_KINDS,
  type Invalidation,
  isKept,
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

/** The invalidation that a call had to respect: the latest-issued one covering its key that had resolved before it started. */
interface Floor {
  issued: number;
  resolved: number;
  lane: number;
  invalidation: Invalidation | BackgroundRefresh;
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
      notKept: { calls: 0, refreshes: 0, background: 0 },
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

  /**
   * A `refreshAfter` recompute in the background has landed (its result stored, or not) with
   * `reading`, in `lane`. One whose result is not kept must have dropped the entry it outdated:
   * calls starting from now must not get a value computed before it read its row.
   */
  backgroundRefreshed(reading: Reading, lane = 0): void {
    if (isKept(reading)) return;
    this.report.notKept.background++;
    const { method, id, seq: issued } = reading;
    const known = this.floors.get(cell(method, id));
    if (known === undefined || known.issued < issued)
      this.floors.set(cell(method, id), {
        issued,
        resolved: this.sequence.next(),
        lane,
        invalidation: { kind: 'refreshAfter', method, id },
      });
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

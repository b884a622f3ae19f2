import type { InvalidationKind, MethodId, Invalidation, Reading } from './model.js';

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

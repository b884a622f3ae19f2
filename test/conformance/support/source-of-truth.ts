import { ROWS, type MethodId, type Reading } from './model.js';

/**
 * The one order every event of a run is placed in: a call's start, an invalidation's issue
 * and resolution, a computation's first read. Only the coordinator (the test process)
 * hands out positions, so events of several worker processes are ordered by it too.
 */
export class EventSequence {
  private last = 0;

  next(): number {
    return ++this.last;
  }
}

/**
 * A versioned in-memory "database": each write bumps a row's version, and a read returns
 * the version together with the read's position in the sequence. A memoized method returns
 * its first read, so every value carries when its computation began. Deleting or restoring
 * a row is a write too: a reading of a deleted row still says when it was read, so the
 * checker judges it as any other value, although the cache never stores it.
 */
export class VersionedDatabase {
  private readonly versions = new Array<number>(ROWS).fill(1);
  private readonly deleted = new Array<boolean>(ROWS).fill(false);

  constructor(readonly sequence: EventSequence) {}

  write(id: number): void {
    this.versions[id]++;
  }

  isDeleted(id: number): boolean {
    return this.deleted[id];
  }

  /** Deletes the row, or restores a deleted one. */
  toggleDeleted(id: number): void {
    this.deleted[id] = !this.deleted[id];
    this.versions[id]++;
  }

  read(method: MethodId, id: number, lane = 0): Reading {
    const deleted = this.deleted[id];
    return { method, id, version: this.versions[id], seq: this.sequence.next(), lane, deleted };
  }
}

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
 * its first read, so every value carries when its computation began.
 */
export class VersionedDatabase {
  private readonly versions = new Array<number>(ROWS).fill(1);

  constructor(readonly sequence: EventSequence) {}

  write(id: number): void {
    this.versions[id]++;
  }

  read(method: MethodId, id: number, lane = 0): Reading {
    return { method, id, version: this.versions[id], seq: this.sequence.next(), lane };
  }
}

/** Counters of one memoized method, bumped on the call path with plain increments. */
export class MethodStats {
  hits = 0;
  /** Hits answered in the process (a memory alias, or the local tier of a two-tier alias). */
  localHits = 0;
  misses = 0;
  stale = 0;
  errors = 0;
  recomputes = 0;
  recomputeMs = 0;

  recordRecompute(ms: number): void {
    this.recomputes++;
    this.recomputeMs += ms;
  }
}

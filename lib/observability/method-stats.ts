/** Counters of one memoized method, bumped on the call path with plain increments. */
export class MethodStats {
  hits = 0;
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

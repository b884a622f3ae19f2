/** Blocks the event loop for `ms`, as a long synchronous task or a GC pause would: no timer fires meanwhile. */
export function stallEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: that is the point
  }
}

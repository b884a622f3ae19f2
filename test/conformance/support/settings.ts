/**
 * How much the conformance suite does. The defaults keep `npm test` short on a 2-core CI
 * machine; `CONFORMANCE_OPERATIONS=100000` (say) makes a deep run of every part, and
 * `CONFORMANCE_SEED` replays a run's choices.
 */
export const OPERATIONS = Number(process.env.CONFORMANCE_OPERATIONS || 10_000);
/** Operations of the run with store faults and evictions. */
export const FAULT_OPERATIONS = Math.ceil(OPERATIONS / 4);
/** Operations of each cross-process run (three processes, one killed Redis). */
export const PROCESS_OPERATIONS = Math.ceil(OPERATIONS / 2);
/** Operations of the run with invalidate() and refresh() alone, where entries live long enough to be replaced. */
export const NARROW_OPERATIONS = Math.ceil(OPERATIONS / 5);

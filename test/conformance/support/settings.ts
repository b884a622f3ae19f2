/**
 * How much the conformance suite does. The defaults keep `npm test` short on a 2-core CI
 * machine; `CONFORMANCE_OPERATIONS=100000` (say) makes a deep run, and `CONFORMANCE_SEED`
 * replays a run's choices.
 */
export const OPERATIONS = Number(process.env.CONFORMANCE_OPERATIONS || 10_000);
/** Operations of the run with store faults and evictions, and of each cross-process run. */
export const FAULT_OPERATIONS = Number(process.env.CONFORMANCE_FAULT_OPERATIONS || Math.ceil(OPERATIONS / 3));

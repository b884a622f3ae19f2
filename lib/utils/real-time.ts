/**
 * The timers and the monotonic clock that processes coordinate with (store timeouts, the
 * Redis clock, leases, heartbeats, acknowledgements, lock renewals) come from Node's own
 * modules, not from the globals. Jest's fake timers (`jest.useFakeTimers()`) replace the
 * globals of a test: under them a heartbeat would never be sent, a store timeout never
 * fire, the Redis clock never advance (so every entry would look older than the marks that
 * void it), and `jest.runAllTimers()` would spin on our intervals. A test fakes the time it
 * reasons about; Redis and the other processes keep real time. What a test may want to
 * move stays on the globals: ttls (`Date`) and the method timeouts (`timeout`, `hardTimeout`).
 */
export { performance } from 'node:perf_hooks';
export { clearInterval, clearTimeout, setImmediate, setInterval, setTimeout } from 'node:timers';

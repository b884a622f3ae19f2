/**
 * Per-key locks every process sharing a store sees: the capability behind
 * `lock: 'distributed'`. A lock is held under a random token per attempt, so only the
 * process that took it can extend or release it, and it lapses `ttlMs` after its
 * holder stops extending it (a crash), so a dead holder never blocks a key for good.
 */
export interface DistributedLocks {
  /** How long a lock outlives a holder that stopped extending it. */
  readonly ttlMs: number;
  /** How long a process waits for another's result before running the method itself. */
  readonly waitMs: number;
  /** Takes the lock of entry `key` for `token`, unless someone holds it. */
  acquire(key: string, token: string): Promise<boolean>;
  /** Gives the lock another `ttlMs`; false when `token` no longer holds it. */
  extend(key: string, token: string): Promise<boolean>;
  /** Lets go of the lock, if `token` still holds it. */
  release(key: string, token: string): Promise<void>;
  /** Whether anyone holds the lock of entry `key`. */
  isHeld(key: string): Promise<boolean>;
}

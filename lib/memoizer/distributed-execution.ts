import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Messages } from '../cache-memoize.messages.js';
import type { DistributedLocks } from '../stores/distributed-locks.interface.js';
import type { StoredEntry } from '../stores/memo-store.interface.js';
import type { MethodConfig, RunReason } from './method-config.js';
import type { MethodTelemetry } from './method-telemetry.js';
import type { Outcome } from './outcome.js';
import { clearInterval, performance, setInterval } from '../utils/real-time.js';

/** A waiting process looks at the lock again after this, doubling up to MAX_POLL_MS. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;

/** How a try at the lock ended. */
const enum Turn {
  Held,
  Released,
  WaitedTooLong,
  Failed,
}

/**
 * `lock: 'distributed'`: of all processes missing one key at once, the one that takes the
 * key's lock runs the method, stores the result and releases the lock; the others wait
 * for the release and read the stored entry. A holder that dies stops extending its lock,
 * which lapses after the lock's ttl; one waiter then takes it and runs the method. When
 * the holder throws, nothing is stored, so the next waiting process runs the method in
 * turn: errors do not travel between processes (they would not arrive unchanged), but a
 * failing backend still sees one call at a time. A lock that cannot be used (Redis down,
 * slow, refusing) never fails a call: the method runs without it.
 */
export class DistributedExecution {
  constructor(
    private readonly config: MethodConfig,
    private readonly locks: DistributedLocks,
    private readonly telemetry: MethodTelemetry,
  ) {}

  /**
   * `execute` (run, then store) under the key's lock, or the entry another process stored:
   * for a miss any fresh entry, for a refresh only one computed after it was asked for, and
   * for a due entry one that is no longer due (another process refreshed it first).
   * `seal` is told before each read of the entry, whose answer may become the outcome.
   */
  async run(
    key: string,
    reason: RunReason,
    stamp: number,
    seal: (() => void) | undefined,
    execute: () => Promise<Outcome>,
  ): Promise<Outcome> {
    const outcome = await this.runLocked(key, reason, stamp, seal, execute);
    // Another process's entry (a stored entry has a stamp, this process's own run does not)
    // stands in for this refresh's own: what a refresh's store does for other processes'
    // local copies (two tiers) must still be done before it resolves.
    if (reason === 'refresh' && 'created' in outcome)
      await this.config.store.adopted?.(key, (outcome as StoredEntry).created);
    return outcome;
  }

  private async runLocked(
    key: string,
    reason: RunReason,
    stamp: number,
    seal: (() => void) | undefined,
    execute: () => Promise<Outcome>,
  ): Promise<Outcome> {
    // On real time, like the lock's ttl in Redis (see real-time.ts).
    const deadline = performance.now() + this.locks.waitMs;
    const acceptance = acceptanceOf(reason, stamp, seal);
    // A refresh skips the look at the entry on its first try: an entry there is the one to replace.
    let recheck = reason !== 'refresh';
    for (;;) {
      const token = randomUUID();
      const turn = await this.takeTurn(key, token, deadline, acceptance);
      if (typeof turn === 'object') return turn;
      if (turn === Turn.Failed) return execute();
      if (turn === Turn.Held) return this.hold(key, token, recheck, acceptance, execute);
      if (turn === Turn.WaitedTooLong) {
        this.telemetry.lockWaitOver(this.locks.waitMs);
        return execute();
      }
      const entry = await this.storedEntry(key, acceptance);
      if (entry !== undefined) return entry;
      // Released without a fresh entry: the holder failed or died. Take the lock if still free.
      recheck = true;
    }
  }

  /**
   * Takes the lock, or waits until its holder lets go of it or the entry it waits for is
   * there (whichever comes first: a lock taken by a SET that timed out here but reached
   * Redis later is held by nobody, and would only lapse at its ttl); a store failure is
   * reported here.
   */
  private async takeTurn(
    key: string,
    token: string,
    deadline: number,
    acceptance: Acceptance,
  ): Promise<Turn | StoredEntry> {
    try {
      if (await this.locks.acquire(key, token)) return Turn.Held;
      const waited = await this.waitForRelease(key, deadline, acceptance);
      return waited === true ? Turn.Released : waited === false ? Turn.WaitedTooLong : waited;
    } catch (error) {
      this.telemetry.storeError(error, key, Messages.lockFailed(this.config.owner, this.config.alias));
      return Turn.Failed;
    }
  }

  /** Holding the lock: extends it while the method runs, and releases it once the result is stored. */
  private async hold(
    key: string,
    token: string,
    recheck: boolean,
    acceptance: Acceptance,
    execute: () => Promise<Outcome>,
  ): Promise<Outcome> {
    const renewal = setInterval(() => this.extend(key, token, renewal), this.locks.ttlMs / 3);
    renewal.unref();
    try {
      // Another process may have stored the entry between our read and our lock.
      const entry = recheck ? await this.storedEntry(key, acceptance) : undefined;
      return entry ?? (await execute());
    } finally {
      clearInterval(renewal);
      await this.locks.release(key, token).catch((error: unknown) => this.reportFailure(error, key));
    }
  }

  private extend(key: string, token: string, renewal: NodeJS.Timeout): void {
    this.locks.extend(key, token).then(
      (held) => {
        if (held) return;
        clearInterval(renewal);
        this.reportFailure(new Error('lock lost'), key, Messages.lockLost(this.config.owner, this.config.alias));
      },
      (error: unknown) => this.reportFailure(error, key),
    );
  }

  /** True once nobody holds the lock, the entry once it is there, false at the deadline; throws when the store fails. */
  private async waitForRelease(key: string, deadline: number, acceptance: Acceptance): Promise<boolean | StoredEntry> {
    let pause = FIRST_POLL_MS;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await sleep(Math.min(pause, left));
      const [held, entry] = await Promise.all([this.locks.isHeld(key), this.storedEntry(key, acceptance)]);
      if (!held) return true;
      if (entry !== undefined) return entry;
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /** The entry under `key` if it is fresh and `acceptance` accepts it; a store failure reads as none. */
  private async storedEntry(key: string, acceptance: Acceptance): Promise<StoredEntry | undefined> {
    try {
      acceptance.seal?.();
      const entry = await this.config.store.get(key, this.config.scope);
      return entry !== undefined && entry.freshUntil > Date.now() && acceptance.accepts(entry) ? entry : undefined;
    } catch (error) {
      this.telemetry.storeError(error, key, Messages.storeFailed(this.config.owner, this.config.alias));
      return undefined;
    }
  }

  private reportFailure(
    error: unknown,
    key: string,
    message = Messages.lockFailed(this.config.owner, this.config.alias),
  ) {
    this.telemetry.reportStoreError(error, key, message);
  }
}

interface Acceptance {
  /** Told before the entry is read: the read may become the outcome. */
  seal?: () => void;
  accepts(entry: StoredEntry): boolean;
}

/** Which stored entry makes running the method unnecessary. */
function acceptanceOf(reason: RunReason, stamp: number, seal: (() => void) | undefined): Acceptance {
  if (reason === 'refresh') return { seal, accepts: (entry) => entry.created >= stamp };
  if (reason === 'due')
    return { seal, accepts: (entry) => entry.refreshAt === undefined || entry.refreshAt > Date.now() };
  return { seal, accepts: () => true };
}

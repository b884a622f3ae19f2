import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Messages } from '../cache-memoize.messages.js';
import type { DistributedLocks } from '../registry/distributed-locks.interface.js';
import type { StoredEntry } from '../registry/memo-store.interface.js';
import type { MethodConfig } from './method-config.js';
import type { MethodTelemetry } from './method-telemetry.js';
import type { Outcome } from './run-original.js';

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
   * `execute` (run, then store) under the key's lock, or the entry another process stored.
   * A refresh skips the look at the entry on its first try: an entry there is the one to replace.
   */
  async run(key: string, isRefresh: boolean, stamp: number, execute: () => Promise<Outcome>): Promise<Outcome> {
    const deadline = Date.now() + this.locks.waitMs;
    let recheck = !isRefresh;
    // A refresh wants a result computed after it was asked for, not the entry it is replacing.
    const notBefore = isRefresh ? stamp : 0;
    for (;;) {
      const token = randomUUID();
      const turn = await this.takeTurn(key, token, deadline);
      if (turn === Turn.Failed) return execute();
      if (turn === Turn.Held) return this.hold(key, token, recheck, notBefore, execute);
      if (turn === Turn.WaitedTooLong) {
        this.telemetry.lockWaitOver(this.locks.waitMs);
        return execute();
      }
      const entry = await this.freshEntry(key, notBefore);
      if (entry !== undefined) return entry;
      // Released without a fresh entry: the holder failed or died. Take the lock if still free.
      recheck = true;
    }
  }

  /** Takes the lock, or waits until its holder lets go of it; a store failure is reported here. */
  private async takeTurn(key: string, token: string, deadline: number): Promise<Turn> {
    try {
      if (await this.locks.acquire(key, token)) return Turn.Held;
      return (await this.waitForRelease(key, deadline)) ? Turn.Released : Turn.WaitedTooLong;
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
    notBefore: number,
    execute: () => Promise<Outcome>,
  ): Promise<Outcome> {
    const renewal = setInterval(() => this.extend(key, token, renewal), this.locks.ttlMs / 3);
    renewal.unref();
    try {
      // Another process may have stored the entry between our read and our lock.
      const entry = recheck ? await this.freshEntry(key, notBefore) : undefined;
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

  /** True once nobody holds the lock, false at the deadline; throws when the store fails. */
  private async waitForRelease(key: string, deadline: number): Promise<boolean> {
    let pause = FIRST_POLL_MS;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(pause, left));
      if (!(await this.locks.isHeld(key))) return true;
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /** The entry under `key` if it is fresh and computed at or after `notBefore`; a store failure reads as none. */
  private async freshEntry(key: string, notBefore: number): Promise<StoredEntry | undefined> {
    try {
      const entry = await this.config.store.get(key, this.config.scope);
      return entry !== undefined && entry.freshUntil > Date.now() && entry.created >= notBefore ? entry : undefined;
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
